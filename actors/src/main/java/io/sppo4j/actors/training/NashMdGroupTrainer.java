package io.sppo4j.actors.training;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.data.Sample;
import io.sppo4j.model.train.AdvantageBatch;
import io.sppo4j.model.train.NashMdUpdate;
import io.sppo4j.model.train.UpdateResult;

import java.util.ArrayList;
import java.util.List;

/**
 * Nash-MD: a group holds policy samples and mixture samples; each policy sample's advantage is
 * its mean preference over the group's mixture samples, minus ½.
 */
final class NashMdGroupTrainer implements GroupTrainer {

    private final NashMdUpdate update;

    NashMdGroupTrainer(NashMdUpdate update) {
        this.update = update;
    }

    @Override
    public UpdateResult train(List<JudgedGroup> groups) {
        return update.apply(batch(groups));
    }

    /** Every policy sample of the groups with its advantage, in group order. */
    static AdvantageBatch batch(List<JudgedGroup> groups) {
        List<int[]> prompts = new ArrayList<>();
        List<int[]> responses = new ArrayList<>();
        List<Float> advantages = new ArrayList<>();
        for (JudgedGroup group : groups) {
            List<Sample> samples = group.group().samples();
            List<Integer> mixture = new ArrayList<>();
            for (int j = 0; j < samples.size(); j++) {
                if (samples.get(j).fromMixture()) {
                    mixture.add(j);
                }
            }
            if (mixture.isEmpty() || mixture.size() == samples.size()) {
                throw new IllegalStateException(
                        "nash-md needs policy and mixture samples in a group; credit " + group.group().creditId()
                                + " has " + mixture.size() + " mixture samples of " + samples.size());
            }
            for (int i = 0; i < samples.size(); i++) {
                if (samples.get(i).fromMixture()) {
                    continue;
                }
                double preference = 0;
                for (int j : mixture) {
                    preference += group.preferences()[i][j];
                }
                prompts.add(group.group().promptTokens());
                responses.add(samples.get(i).tokens());
                advantages.add((float) (preference / mixture.size() - 0.5));
            }
        }
        float[] values = new float[advantages.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = advantages.get(i);
        }
        return new AdvantageBatch(prompts, responses, values);
    }
}
