package io.sppo4j.model.memory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Trims the C heap ({@link NativeHeap#trim}) every interval on a daemon thread of its own, and
 * counts what each trim gave back (the resident set before minus after), for the metrics.
 *
 * <p>One per process: the roles of a process share its heap, so trimming at one role's step
 * boundaries would miss what the others free. A trim of an unfragmented heap costs well under a
 * millisecond; of a fragmented one, a few milliseconds per GB released.
 */
public final class NativeHeapTrimmer implements AutoCloseable {

    private final ScheduledExecutorService timer;
    private final AtomicLong trims = new AtomicLong();
    private final AtomicLong releasedBytes = new AtomicLong();
    private final AtomicLong trimNanos = new AtomicLong();

    private NativeHeapTrimmer(Duration interval) {
        if (interval.isZero() || !NativeHeap.trimmable()) {
            timer = null;
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "native-heap-trim");
            thread.setDaemon(true);
            return thread;
        });
        long millis = Math.max(1, interval.toMillis());
        timer.scheduleWithFixedDelay(this::trimOnce, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts trimming every {@code interval}; {@link Duration#ZERO}, or a C library that cannot
     * trim, gives a trimmer that does nothing.
     */
    public static NativeHeapTrimmer every(Duration interval) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("trim interval must not be negative: " + interval);
        }
        return new NativeHeapTrimmer(interval);
    }

    /** Whether this trimmer runs (a positive interval on a C library that can trim). */
    public boolean active() {
        return timer != null;
    }

    /** Trims done so far. */
    public long trims() {
        return trims.get();
    }

    /** Resident bytes the trims gave back so far. */
    public long releasedBytes() {
        return releasedBytes.get();
    }

    /** Time spent in the trims so far, in seconds. */
    public double trimSeconds() {
        return trimNanos.get() / 1e9;
    }

    private void trimOnce() {
        long before = AvailableMemory.residentBytes();
        long started = System.nanoTime();
        NativeHeap.trim();
        trimNanos.addAndGet(System.nanoTime() - started);
        long after = AvailableMemory.residentBytes();
        trims.incrementAndGet();
        // Other threads allocate meanwhile; only a drop counts as released.
        releasedBytes.addAndGet(Math.max(0, before - after));
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
