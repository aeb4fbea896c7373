package io.sppo4j.model.task.sort;

import io.sppo4j.model.judge.PreferenceModel;

import java.util.List;

/**
 * The rule judge of {@code sort}: the response closer (in edit distance) to the sorted digits
 * wins outright; equally close responses tie at 1/2.
 */
public final class SortJudge implements PreferenceModel {

    @Override
    public String name() {
        return "sort-rule";
    }

    @Override
    public double[][] preferences(String prompt, List<String> responses) {
        String target = SortTask.target(prompt);
        int k = responses.size();
        int[] distance = new int[k];
        for (int i = 0; i < k; i++) {
            distance[i] = EditDistance.between(responses.get(i), target);
        }
        double[][] p = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                p[i][j] = distance[i] < distance[j] ? 1.0 : distance[i] > distance[j] ? 0.0 : 0.5;
            }
        }
        return p;
    }
}
