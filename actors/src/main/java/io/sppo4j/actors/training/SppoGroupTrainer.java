package io.sppo4j.actors.training;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.data.Sample;
import io.sppo4j.actors.settings.WinRate;
import io.sppo4j.model.train.PreferenceBatch;
import io.sppo4j.model.train.SppoUpdate;
import io.sppo4j.model.train.UpdateResult;

import java.util.ArrayList;
import java.util.List;

/**
 * SPPO: every response of a group is regressed toward η(p̂ − ½) relative to the policy that
 * sampled it; {@code sppo-pair} keeps only the group's best and worst response (the argmax and
 * argmin of p̂, as the official code takes chosen and rejected), each with its own target.
 * p̂ is formed as {@code sppo4j.sppo.win-rate} says; both forms order the responses alike.
 */
final class SppoGroupTrainer implements GroupTrainer {

    private final SppoUpdate update;
    private final boolean bestAndWorstOnly;
    private final WinRate winRate;

    SppoGroupTrainer(SppoUpdate update, boolean bestAndWorstOnly, WinRate winRate) {
        this.update = update;
        this.bestAndWorstOnly = bestAndWorstOnly;
        this.winRate = winRate;
    }

    @Override
    public UpdateResult train(List<JudgedGroup> groups) {
        List<int[]> prompts = new ArrayList<>();
        List<int[]> responses = new ArrayList<>();
        List<Float> samplerLogProbs = new ArrayList<>();
        List<Float> winRates = new ArrayList<>();
        List<Integer> groupIds = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            JudgedGroup group = groups.get(g);
            double[] groupRates = winRate == WinRate.OTHERS ? group.winRates() : winRate.of(group.preferences());
            for (int i : selected(group)) {
                Sample sample = group.group().samples().get(i);
                prompts.add(group.group().promptTokens());
                responses.add(sample.tokens());
                samplerLogProbs.add(sample.policyLogProb());
                winRates.add((float) groupRates[i]);
                groupIds.add(g);
            }
        }
        float[] logProbs = new float[samplerLogProbs.size()];
        float[] rates = new float[winRates.size()];
        int[] ids = new int[groupIds.size()];
        for (int i = 0; i < logProbs.length; i++) {
            logProbs[i] = samplerLogProbs.get(i);
            rates[i] = winRates.get(i);
            ids[i] = groupIds.get(i);
        }
        return update.apply(new PreferenceBatch(prompts, responses, logProbs, rates, ids));
    }

    private int[] selected(JudgedGroup group) {
        if (!bestAndWorstOnly) {
            int[] all = new int[group.group().size()];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return all;
        }
        // With no difference in the group, its first two responses still anchor the policy at ½.
        return GroupSelection.bestAndWorst(group).orElse(new int[] {0, 1});
    }
}
