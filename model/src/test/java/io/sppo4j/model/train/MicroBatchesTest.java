package io.sppo4j.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class MicroBatchesTest {

    private static List<int[]> lengths(int... lengths) {
        List<int[]> rows = new ArrayList<>();
        for (int length : lengths) {
            rows.add(new int[length]);
        }
        return rows;
    }

    @Test
    void zeroBudgetIsOneSliceOfTheWholeBatch() {
        assertEquals(List.of(new MicroBatches.Slice(0, 3)), MicroBatches.split(lengths(5, 5, 5), lengths(10, 10, 10), 1, 0));
        assertEquals(List.of(), MicroBatches.split(List.of(), List.of(), 1, 0));
    }

    @Test
    void slicesStayWithinTheBudgetCountedAsRowsTimesTheWidestPromptPlusResponse() {
        // Widths 15, 15, 15, 30: two of the first fit 32 tokens, the third would make 45; the
        // fourth item is 30 wide alone, and with the third it would be 2 × (20 + 10) = 60.
        List<MicroBatches.Slice> slices = MicroBatches.split(lengths(5, 5, 5, 20), lengths(10, 10, 10, 10), 1, 32);
        assertEquals(List.of(new MicroBatches.Slice(0, 2), new MicroBatches.Slice(2, 3), new MicroBatches.Slice(3, 4)), slices);
    }

    @Test
    void anItemLongerThanTheBudgetIsASliceOfItsOwn() {
        assertEquals(List.of(new MicroBatches.Slice(0, 1), new MicroBatches.Slice(1, 2)),
                MicroBatches.split(lengths(50, 50), lengths(50, 50), 1, 10));
    }

    @Test
    void aPairCountsBothRowsAndItsLongerResponse() {
        // Items are pairs: winners (first two rows), then losers. Pair 0 is 2 × (4 + 12) = 32.
        List<int[]> responses = lengths(2, 3, 12, 3);
        assertEquals(List.of(new MicroBatches.Slice(0, 1), new MicroBatches.Slice(1, 2)),
                MicroBatches.split(lengths(4, 4), responses, 2, 40));
        assertEquals(List.of(new MicroBatches.Slice(0, 2)), MicroBatches.split(lengths(4, 4), responses, 2, 64));
    }

    @Test
    void everyItemIsInExactlyOneSliceInOrder() {
        List<int[]> prompts = lengths(3, 9, 1, 7, 7, 2, 8, 4, 6, 5);
        List<int[]> responses = lengths(4, 1, 9, 2, 8, 3, 7, 5, 6, 10);
        for (int budget : new int[] {1, 10, 17, 25, 40, 1000}) {
            int next = 0;
            for (MicroBatches.Slice slice : MicroBatches.split(prompts, responses, 1, budget)) {
                assertEquals(next, slice.from(), "budget " + budget);
                next = slice.to();
            }
            assertEquals(prompts.size(), next, "budget " + budget);
        }
    }

    @Test
    void refusesMismatchedRowsAndNegativeBudgets() {
        assertThrows(IllegalArgumentException.class, () -> MicroBatches.split(lengths(1, 1), lengths(1, 1, 1), 2, 0));
        assertThrows(IllegalArgumentException.class,
                () -> MicroBatches.split(lengths(1), Collections.singletonList(new int[1]), 1, -1));
    }
}
