package io.sppo4j.model.task.sort;

import java.util.List;

/**
 * How well responses sort their prompts.
 *
 * @param exactMatch share of responses equal to the sorted digits
 * @param meanEditDistance mean edit distance to the sorted digits
 * @param meanLength mean response length in characters
 * @param meanTargetLength mean length of the sorted digits
 */
public record SortQuality(double exactMatch, double meanEditDistance, double meanLength, double meanTargetLength) {

    public static SortQuality measure(List<String> prompts, List<String> responses) {
        if (prompts.size() != responses.size() || prompts.isEmpty()) {
            throw new IllegalArgumentException(prompts.size() + " prompts for " + responses.size() + " responses");
        }
        double exact = 0;
        double distance = 0;
        double length = 0;
        double targetLength = 0;
        for (int i = 0; i < prompts.size(); i++) {
            String target = SortTask.target(prompts.get(i));
            int d = EditDistance.between(responses.get(i), target);
            exact += d == 0 ? 1 : 0;
            distance += d;
            length += responses.get(i).length();
            targetLength += target.length();
        }
        int n = prompts.size();
        return new SortQuality(exact / n, distance / n, length / n, targetLength / n);
    }
}
