package io.sppo4j.model.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a learner batch into consecutive slices whose padded forward fits a token budget, so the
 * activations a step holds for backward stay bounded whatever the batch: the gradient
 * accumulation of the Python stacks (TRL's {@code per_device_train_batch_size} ×
 * {@code gradient_accumulation_steps}), with the slice chosen by tokens rather than rows because
 * one configuration serves 20-token sort answers and 512-token chat answers.
 *
 * <p>A slice's cost is what the scorer lays out: rows × (longest prompt + longest response of the
 * slice), prompts left-padded and responses right-padded. A single item longer than the budget
 * still forms a slice of its own.
 */
public final class MicroBatches {

    /** A slice [from, to) of the batch's items. */
    public record Slice(int from, int to) {

        public int size() {
            return to - from;
        }

        /** This slice of per-item {@code values}. */
        public <T> List<T> of(List<T> values) {
            return values.subList(from, to);
        }

        /** This slice of per-item {@code values}, copied. */
        public float[] of(float[] values) {
            return Arrays.copyOfRange(values, from, to);
        }

        /**
         * This slice's part of every row of {@code rowsMajor} (row r of item i at {@code r · items + i},
         * as {@link #split} reads responses), row by row: the layout one forward pass scores.
         */
        public <T> List<T> rowsOf(List<T> rowsMajor, int items) {
            List<T> rows = new ArrayList<>();
            for (int start = 0; start < rowsMajor.size(); start += items) {
                rows.addAll(rowsMajor.subList(start + from, start + to));
            }
            return rows;
        }

        /** This slice of per-item {@code values} once per row, laid out as {@link #rowsOf}. */
        public <T> List<T> repeated(List<T> values, int rows) {
            List<T> repeated = new ArrayList<>();
            for (int row = 0; row < rows; row++) {
                repeated.addAll(of(values));
            }
            return repeated;
        }
    }

    private MicroBatches() {}

    /**
     * @param prompts per item
     * @param responses per item, as many rows of them as {@code rowsPerItem} (a pair's winner and
     *     loser are two rows with the same prompt); {@code responses.get(r * items + i)} is row r of item i
     * @param tokenBudget most padded tokens per slice; 0 puts the whole batch in one slice
     */
    public static List<Slice> split(List<int[]> prompts, List<int[]> responses, int rowsPerItem, int tokenBudget) {
        int items = prompts.size();
        if (responses.size() != items * rowsPerItem) {
            throw new IllegalArgumentException(
                    responses.size() + " responses for " + items + " items of " + rowsPerItem + " rows each");
        }
        if (tokenBudget < 0) {
            throw new IllegalArgumentException("micro-batch token budget must be 0 (whole batch) or positive, got " + tokenBudget);
        }
        List<Slice> slices = new ArrayList<>();
        if (tokenBudget == 0) {
            if (items > 0) {
                slices.add(new Slice(0, items));
            }
            return slices;
        }
        int from = 0;
        int promptWidth = 0;
        int responseWidth = 0;
        for (int i = 0; i < items; i++) {
            int itemResponse = 0;
            for (int row = 0; row < rowsPerItem; row++) {
                itemResponse = Math.max(itemResponse, responses.get(row * items + i).length);
            }
            int widerPrompt = Math.max(promptWidth, prompts.get(i).length);
            int widerResponse = Math.max(responseWidth, itemResponse);
            long cost = (long) (i + 1 - from) * rowsPerItem * (widerPrompt + widerResponse);
            if (i > from && cost > tokenBudget) {
                slices.add(new Slice(from, i));
                from = i;
                widerPrompt = prompts.get(i).length;
                widerResponse = itemResponse;
            }
            promptWidth = widerPrompt;
            responseWidth = widerResponse;
        }
        if (items > from) {
            slices.add(new Slice(from, items));
        }
        return slices;
    }
}
