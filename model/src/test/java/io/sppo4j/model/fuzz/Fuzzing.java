package io.sppo4j.model.fuzz;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * What every fuzz property of a decoder checks, and the inputs it draws. A decoder given any
 * bytes must return, or throw one of the exceptions it documents, within a time limit (a hang
 * fails), without an {@link Error} (a stack overflow, an out-of-memory), and allocating no more
 * than a bound derived from the input's size: a length read from the input is believed only
 * once checked against what is there, so a 4-byte claim of 2 GB never allocates 2 GB.
 *
 * <p>Inputs are random bytes, and mutations of valid encodings: bit flips, bytes set to edge
 * values, lengths overwritten with huge or negative numbers, truncations, insertions,
 * duplicated slices, and splices of two valid inputs.
 */
public final class Fuzzing {

    /** A decode that takes longer than this on any input is taken for a hang. */
    public static final Duration HANG = Duration.ofSeconds(10);

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final ExecutorService WORKER = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "fuzz-decoder");
        thread.setDaemon(true);
        return thread;
    });
    private static final int[] EDGE_INTS = {0, 1, -1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0x7FFF_FFF0};

    private Fuzzing() {}

    /**
     * What a decode of {@code inputBytes} may allocate: a generous multiple of its size (parsed
     * JSON, strings, lists) plus room for first-use costs (class loading, buffers, a logger),
     * and nowhere near a length a damaged input claims.
     */
    public static long allocationBound(long inputBytes) {
        return 64 * inputBytes + (16 << 20);
    }

    /** What a decode did: its result, or the exception it threw (a documented one). */
    public record Outcome(Object value, Throwable refusal) {
        public boolean refused() {
            return refusal != null;
        }
    }

    /**
     * Runs {@code decode} on a worker thread and checks it: done within {@link #HANG}, returned
     * or threw an exception of one of {@code allowed}, allocated at most {@code maxAllocated} bytes.
     */
    @SafeVarargs
    public static Outcome decodes(String what, long maxAllocated, Callable<?> decode,
            Class<? extends Exception>... allowed) {
        Future<Object[]> run = WORKER.submit(() -> {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            Object value = null;
            Throwable thrown = null;
            try {
                value = decode.call();
            } catch (Throwable t) {
                thrown = t;
            }
            return new Object[] {value, thrown, THREADS.getCurrentThreadAllocatedBytes() - before};
        });
        Object[] result;
        try {
            result = run.get(HANG.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            run.cancel(true);
            throw new AssertionError(what + ": the decoder hung (no answer within " + HANG.toSeconds() + " s)");
        } catch (ExecutionException | InterruptedException e) {
            throw new AssertionError(what + ": " + e, e);
        }
        Throwable thrown = (Throwable) result[1];
        long allocated = (long) result[2];
        if (allocated > maxAllocated) {
            throw new AssertionError(what + ": allocated " + allocated + " bytes, more than the bound of " + maxAllocated
                    + (thrown == null ? "" : " (then threw " + thrown + ")"));
        }
        if (thrown == null) {
            return new Outcome(result[0], null);
        }
        for (Class<? extends Exception> kind : allowed) {
            if (kind.isInstance(thrown)) {
                if (thrown.getMessage() == null || thrown.getMessage().isBlank()) {
                    throw new AssertionError(what + ": refused without saying why: " + thrown, thrown);
                }
                return new Outcome(null, thrown);
            }
        }
        throw new AssertionError(what + ": threw " + thrown + ", which is not one of " + Arrays.toString(allowed), thrown);
    }

    /** Random bytes of up to {@code maxLength}, and mutations of {@code seeds} (valid encodings). */
    public static Arbitrary<byte[]> bytesAround(List<byte[]> seeds, int maxLength) {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(maxLength);
        Arbitrary<byte[]> mutated = Arbitraries.randomValue(r -> mutate(seeds, r, maxLength));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, random),
                net.jqwik.api.Tuple.of(4, mutated),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(seeds)));
    }

    /** Text inputs: random strings, and mutations of {@code seeds}' UTF-8 bytes read back as text (lenient). */
    public static Arbitrary<String> textAround(List<String> seeds, int maxLength) {
        List<byte[]> bytes = seeds.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(maxLength)),
                net.jqwik.api.Tuple.of(4, Arbitraries.randomValue(r ->
                        new String(mutate(bytes, r, maxLength), StandardCharsets.UTF_8))),
                net.jqwik.api.Tuple.of(2, Arbitraries.randomValue(r -> mutateJson(seeds.get(r.nextInt(seeds.size())), r))),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(seeds)));
    }

    /** One to four mutations of a seed. */
    public static byte[] mutate(List<byte[]> seeds, Random random, int maxLength) {
        byte[] input = seeds.get(random.nextInt(seeds.size())).clone();
        int rounds = 1 + random.nextInt(4);
        for (int round = 0; round < rounds; round++) {
            input = mutateOnce(input, seeds, random);
        }
        return input.length > maxLength ? Arrays.copyOf(input, maxLength) : input;
    }

    private static byte[] mutateOnce(byte[] input, List<byte[]> seeds, Random random) {
        if (input.length == 0) {
            return new byte[] {(byte) random.nextInt()};
        }
        int at = random.nextInt(input.length);
        switch (random.nextInt(8)) {
            case 0 -> input[at] ^= (byte) (1 << random.nextInt(8));
            case 1 -> input[at] = (byte) EDGE_INTS[random.nextInt(EDGE_INTS.length)];
            case 2 -> {
                // A length or count field overwritten: a huge, negative or off-by-some number.
                int value = EDGE_INTS[random.nextInt(EDGE_INTS.length)];
                ByteOrder order = random.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
                byte[] field = ByteBuffer.allocate(4).order(order).putInt(value).array();
                System.arraycopy(field, 0, input, at, Math.min(4, input.length - at));
            }
            case 3 -> {
                return Arrays.copyOf(input, at);
            }
            case 4 -> {
                byte[] inserted = new byte[1 + random.nextInt(16)];
                random.nextBytes(inserted);
                return concat(Arrays.copyOf(input, at), inserted, Arrays.copyOfRange(input, at, input.length));
            }
            case 5 -> {
                int end = at + random.nextInt(input.length - at + 1);
                return concat(Arrays.copyOf(input, end), Arrays.copyOfRange(input, at, end),
                        Arrays.copyOfRange(input, end, input.length));
            }
            case 6 -> {
                byte[] other = seeds.get(random.nextInt(seeds.size()));
                int from = other.length == 0 ? 0 : random.nextInt(other.length);
                return concat(Arrays.copyOf(input, at), Arrays.copyOfRange(other, from, other.length));
            }
            default -> {
                int end = at + random.nextInt(input.length - at + 1);
                return concat(Arrays.copyOf(input, at), Arrays.copyOfRange(input, end, input.length));
            }
        }
        return input;
    }

    /** JSON-aware damage: a number made huge, negative, fractional or a string; a brace or quote dropped. */
    private static String mutateJson(String json, Random random) {
        String[] replacements = {"1e400", "-1", "0", "2147483648", "-9223372036854775809", "1.5", "\"7\"", "null", "[]", "{}",
            "true", "NaN", "\"\\ud800\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"};
        java.util.regex.Matcher values = java.util.regex.Pattern.compile("-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?|\"[^\"]*\"|true|false|null")
                .matcher(json);
        List<int[]> spans = new java.util.ArrayList<>();
        while (values.find()) {
            spans.add(new int[] {values.start(), values.end()});
        }
        if (spans.isEmpty() || random.nextInt(5) == 0) {
            int at = random.nextInt(json.length() + 1);
            return json.substring(0, at) + json.substring(Math.min(json.length(), at + 1));
        }
        int[] span = spans.get(random.nextInt(spans.size()));
        return json.substring(0, span[0]) + replacements[random.nextInt(replacements.length)] + json.substring(span[1]);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] joined = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, joined, at, part.length);
            at += part.length;
        }
        return joined;
    }
}
