package io.sppo4j.model.memory;

import com.sun.jna.Memory;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NativeHeapTest {

    /** Below glibc's initial mmap threshold (128 KiB), so each chunk comes from a malloc arena. */
    private static final int CHUNK = 64 << 10;
    private static final int CHUNKS = 4096; // 256 MiB

    @Test
    void trimGivesBackTheFreeHolesThatFreeKeeps() {
        assumeTrue(NativeHeap.trimmable(), "glibc on Linux only");
        List<Memory> chunks = new ArrayList<>();
        for (int i = 0; i < CHUNKS; i++) {
            Memory chunk = new Memory(CHUNK);
            chunk.clear(); // touch every page: resident
            chunks.add(chunk);
        }
        // Free all but every 64th chunk: the kept ones pin the arena, so free() cannot shrink it
        // from the top and the holes between them stay resident, as libtorch's freed tensors do.
        long held = AvailableMemory.residentBytes();
        for (int i = 0; i < CHUNKS; i++) {
            if (i % 64 != 63) {
                chunks.get(i).close();
            }
        }
        long afterFree = AvailableMemory.residentBytes();
        NativeHeap.trim();
        long afterTrim = AvailableMemory.residentBytes();
        for (int i = 63; i < CHUNKS; i += 64) {
            chunks.get(i).close();
        }
        long freed = (long) CHUNK * CHUNKS * 63 / 64;
        assertTrue(held - afterFree < freed / 4,
                "free() alone should keep most holes resident: " + (held - afterFree >> 20) + " MiB released");
        assertTrue(afterFree - afterTrim > freed / 2,
                "trim released " + (afterFree - afterTrim >> 20) + " MiB of " + (freed >> 20) + " MiB free");
    }

    @Test
    void trimmerTrimsOnItsIntervalAndStopsWhenClosed() throws InterruptedException {
        assumeTrue(NativeHeap.trimmable(), "glibc on Linux only");
        try (NativeHeapTrimmer trimmer = NativeHeapTrimmer.every(Duration.ofMillis(20))) {
            assertTrue(trimmer.active());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (trimmer.trims() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(trimmer.trims() >= 3, "trims: " + trimmer.trims());
            trimmer.close();
            long stopped = trimmer.trims();
            Thread.sleep(200);
            assertTrue(trimmer.trims() <= stopped + 1, "still trimming after close");
        }
    }

    @Test
    void zeroIntervalNeverTrimsAndNegativeIsRefused() throws InterruptedException {
        try (NativeHeapTrimmer trimmer = NativeHeapTrimmer.every(Duration.ZERO)) {
            assertFalse(trimmer.active());
            Thread.sleep(50);
            assertEquals(0, trimmer.trims());
        }
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> NativeHeapTrimmer.every(Duration.ofSeconds(-1)));
        assertTrue(error.getMessage().contains("-1"), error.getMessage());
    }
}
