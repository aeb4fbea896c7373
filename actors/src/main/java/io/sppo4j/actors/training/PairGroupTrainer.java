package io.sppo4j.actors.training;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.model.train.PairBatch;
import io.sppo4j.model.train.PairwiseUpdate;
import io.sppo4j.model.train.UpdateResult;

import java.util.ArrayList;
import java.util.List;

/**
 * DPO, IPO, SLiC and IPO-MD: each group contributes its best response (highest p̂) as winner
 * and its worst as loser; a group the judge could not separate contributes nothing.
 */
final class PairGroupTrainer implements GroupTrainer {

    private final PairwiseUpdate update;

    PairGroupTrainer(PairwiseUpdate update) {
        this.update = update;
    }

    @Override
    public UpdateResult train(List<JudgedGroup> groups) {
        List<int[]> prompts = new ArrayList<>();
        List<int[]> winners = new ArrayList<>();
        List<int[]> losers = new ArrayList<>();
        for (JudgedGroup group : groups) {
            GroupSelection.bestAndWorst(group).ifPresent(pair -> {
                prompts.add(group.group().promptTokens());
                winners.add(group.group().samples().get(pair[0]).tokens());
                losers.add(group.group().samples().get(pair[1]).tokens());
            });
        }
        return update.apply(new PairBatch(prompts, winners, losers));
    }
}
