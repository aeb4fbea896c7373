package io.sppo4j.model.checkpoint;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorSpec;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON header of a safetensors file: where each tensor's bytes lie in the data section, and
 * free-form string metadata. Parsing checks everything the data section will be trusted for.
 *
 * @param entries tensors in the order of their data, which is the order they were written in
 * @param metadata the {@code __metadata__} object, empty when absent
 * @param dataBytes length of the data section the entries cover, contiguously from 0
 */
record SafeTensorsHeader(List<Entry> entries, Map<String, String> metadata, long dataBytes) {

    static final String METADATA_KEY = "__metadata__";

    /** Headers beyond this are refused unread, as the reference implementation does. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Data section starts 8-byte aligned, so readers may map tensors in place. */
    static final int ALIGNMENT = 8;

    /** One tensor's entry; offsets are relative to the start of the data section. */
    record Entry(String name, TensorDType dtype, long[] shape, long begin, long end) {
        TensorSpec spec() {
            return new TensorSpec(name, dtype, shape);
        }
    }

    /**
     * The header for {@code tensors} laid out contiguously in list order, as UTF-8 JSON padded
     * with spaces to a multiple of {@value #ALIGNMENT} bytes.
     */
    static byte[] encode(List<TensorSpec> tensors, Map<String, String> metadata) {
        Set<String> names = new HashSet<>();
        StringWriter json = new StringWriter();
        try (JsonWriter writer = new JsonWriter(json)) {
            writer.setHtmlSafe(false);
            writer.beginObject();
            if (!metadata.isEmpty()) {
                writer.name(METADATA_KEY).beginObject();
                for (Map.Entry<String, String> entry : metadata.entrySet()) {
                    writer.name(entry.getKey()).value(entry.getValue());
                }
                writer.endObject();
            }
            long offset = 0;
            for (TensorSpec tensor : tensors) {
                if (tensor.name().equals(METADATA_KEY) || !names.add(tensor.name())) {
                    throw new IllegalArgumentException(
                            "safetensors: tensor name '" + tensor.name() + "' is reserved or used twice");
                }
                writer.name(tensor.name()).beginObject();
                writer.name("dtype").value(tensor.dtype().safetensorsName());
                writer.name("shape").beginArray();
                for (long dim : tensor.shape()) {
                    writer.value(dim);
                }
                writer.endArray();
                writer.name("data_offsets").beginArray().value(offset).value(offset + tensor.byteSize()).endArray();
                writer.endObject();
                offset += tensor.byteSize();
            }
            writer.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException("a StringWriter does not fail", e);
        }
        byte[] unpadded = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (unpadded.length + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        byte[] header = Arrays.copyOf(unpadded, padded);
        Arrays.fill(header, unpadded.length, padded, (byte) ' ');
        return header;
    }

    /**
     * Parses and validates a header: strict UTF-8 JSON, one object per tensor with a supported
     * dtype, a shape and data_offsets that hold exactly dtype × shape bytes, tensors covering
     * the data section contiguously (no overlap, no gap), string metadata.
     *
     * @param file named in every error
     */
    static SafeTensorsHeader parse(byte[] bytes, Path file) throws CorruptCheckpointException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CorruptCheckpointException(file, "header is not valid UTF-8", e);
        }
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            expect(reader, JsonToken.BEGIN_OBJECT, "the header", file);
            reader.beginObject();
            Set<String> seen = new HashSet<>();
            while (reader.hasNext()) {
                String name = reader.nextName();
                if (!seen.add(name)) {
                    throw new CorruptCheckpointException(file, "header names '" + name + "' twice");
                }
                if (name.equals(METADATA_KEY)) {
                    readMetadata(reader, metadata, file);
                } else {
                    entries.add(readEntry(reader, name, file));
                }
            }
            reader.endObject();
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new CorruptCheckpointException(file, "header has content after its JSON object");
            }
        } catch (CorruptCheckpointException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new CorruptCheckpointException(file, "header is not valid JSON: " + e.getMessage(), e);
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        return new SafeTensorsHeader(
                List.copyOf(entries), Collections.unmodifiableMap(metadata), checkContiguous(entries, file));
    }

    private static void readMetadata(JsonReader reader, Map<String, String> into, Path file) throws IOException {
        if (reader.peek() == JsonToken.NULL) {
            reader.nextNull();
            return;
        }
        expect(reader, JsonToken.BEGIN_OBJECT, METADATA_KEY, file);
        reader.beginObject();
        while (reader.hasNext()) {
            String key = reader.nextName();
            expect(reader, JsonToken.STRING, METADATA_KEY + "." + key, file);
            into.put(key, reader.nextString());
        }
        reader.endObject();
    }

    private static Entry readEntry(JsonReader reader, String name, Path file) throws IOException {
        String where = "tensor '" + name + "'";
        expect(reader, JsonToken.BEGIN_OBJECT, where, file);
        String dtypeName = null;
        long[] shape = null;
        long[] offsets = null;
        reader.beginObject();
        while (reader.hasNext()) {
            switch (reader.nextName()) {
                case "dtype" -> {
                    expect(reader, JsonToken.STRING, where + " dtype", file);
                    dtypeName = reader.nextString();
                }
                case "shape" -> shape = readCounts(reader, where + " shape", file);
                case "data_offsets" -> offsets = readCounts(reader, where + " data_offsets", file);
                default -> reader.skipValue(); // the reference reader ignores unknown fields too
            }
        }
        reader.endObject();
        if (dtypeName == null || shape == null || offsets == null) {
            throw new CorruptCheckpointException(file, where + " lacks dtype, shape or data_offsets");
        }
        TensorDType dtype = dtype(dtypeName, where, file);
        if (offsets.length != 2 || offsets[0] > offsets[1]) {
            throw new CorruptCheckpointException(
                    file, where + " has data_offsets " + Arrays.toString(offsets) + ", expected [begin, end] with begin <= end");
        }
        long needed;
        try {
            long elements = 1;
            for (long dim : shape) {
                elements = Math.multiplyExact(elements, dim);
            }
            needed = Math.multiplyExact(elements, dtype.bytes());
        } catch (ArithmeticException e) {
            throw new CorruptCheckpointException(file, where + " has an impossibly large shape " + Arrays.toString(shape));
        }
        if (offsets[1] - offsets[0] != needed) {
            throw new CorruptCheckpointException(file, where + ": data_offsets " + Arrays.toString(offsets) + " hold "
                    + (offsets[1] - offsets[0]) + " bytes but " + dtypeName + " " + Arrays.toString(shape)
                    + " needs " + needed);
        }
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static TensorDType dtype(String name, String where, Path file) throws CorruptCheckpointException {
        for (TensorDType dtype : TensorDType.values()) {
            if (dtype.safetensorsName().equals(name)) {
                return dtype;
            }
        }
        throw new CorruptCheckpointException(file, where + " has unsupported dtype '" + name + "' (supported: "
                + Arrays.toString(TensorDType.values()) + ")");
    }

    /** A JSON array of non-negative integers written as integers (1.0 and "1" are refused). */
    private static long[] readCounts(JsonReader reader, String where, Path file) throws IOException {
        expect(reader, JsonToken.BEGIN_ARRAY, where, file);
        List<Long> values = new ArrayList<>();
        reader.beginArray();
        while (reader.hasNext()) {
            expect(reader, JsonToken.NUMBER, where + " element", file);
            String literal = reader.nextString();
            long value;
            try {
                value = Long.parseLong(literal);
            } catch (NumberFormatException e) {
                throw new CorruptCheckpointException(file, where + " has '" + literal + "', not an integer");
            }
            if (value < 0) {
                throw new CorruptCheckpointException(file, where + " has negative value " + value);
            }
            values.add(value);
        }
        reader.endArray();
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private static void expect(JsonReader reader, JsonToken token, String where, Path file) throws IOException {
        JsonToken actual = reader.peek();
        if (actual != token) {
            throw new CorruptCheckpointException(
                    file, where + " should be " + describe(token) + " but is " + describe(actual) + " in the header");
        }
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case BEGIN_OBJECT -> "a JSON object";
            case BEGIN_ARRAY -> "a JSON array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            default -> token.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        };
    }

    /** The data section's length: the entries, sorted by offset, must tile it without overlap or gap. */
    private static long checkContiguous(List<Entry> sorted, Path file) throws CorruptCheckpointException {
        long expected = 0;
        Entry previous = null;
        for (Entry entry : sorted) {
            if (entry.begin() < expected) {
                throw new CorruptCheckpointException(file, "tensor '" + entry.name() + "' (data_offsets ["
                        + entry.begin() + ", " + entry.end() + "]) overlaps tensor '" + previous.name()
                        + "' (data_offsets [" + previous.begin() + ", " + previous.end() + "])");
            }
            if (entry.begin() > expected) {
                throw new CorruptCheckpointException(file, "bytes [" + expected + ", " + entry.begin()
                        + ") of the data section belong to no tensor (before tensor '" + entry.name() + "')");
            }
            expected = entry.end();
            previous = entry;
        }
        return expected;
    }
}
