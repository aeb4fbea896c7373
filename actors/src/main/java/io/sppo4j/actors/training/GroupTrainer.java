package io.sppo4j.actors.training;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.model.loss.DpoLoss;
import io.sppo4j.model.loss.IpoLoss;
import io.sppo4j.model.loss.NashMdLoss;
import io.sppo4j.model.loss.SlicLoss;
import io.sppo4j.model.loss.SppoLoss;
import io.sppo4j.model.optim.Optimizer;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.train.NashMdUpdate;
import io.sppo4j.model.train.PairwiseUpdate;
import io.sppo4j.model.train.SppoUpdate;
import io.sppo4j.model.train.UpdateResult;

import java.util.List;

/**
 * One optimiser step of the configured method on a batch of judged groups: what differs between
 * methods is how targets or pairs are drawn from each group, and the loss.
 */
public interface GroupTrainer {

    UpdateResult train(List<JudgedGroup> groups);

    /** With the whole batch in one forward and backward. */
    static GroupTrainer create(
            AlgorithmConfig settings, LanguageModel policy, LanguageModel reference, Optimizer optimizer, int padId) {
        return create(settings, policy, reference, optimizer, padId, 0);
    }

    /**
     * @param reference the frozen reference policy; required when the method uses one
     * @param microBatchTokens most padded tokens per forward and backward
     *     ({@code sppo4j.learner.micro-batch-tokens}); 0 for the whole batch at once
     */
    static GroupTrainer create(
            AlgorithmConfig settings, LanguageModel policy, LanguageModel reference, Optimizer optimizer, int padId,
            int microBatchTokens) {
        if (settings.algorithm().usesReference() && reference == null) {
            throw new IllegalArgumentException(settings.algorithm().configName() + " needs the reference policy");
        }
        return switch (settings.algorithm()) {
            case SPPO -> new SppoGroupTrainer(
                    new SppoUpdate(policy, optimizer, new SppoLoss(settings.eta()), padId, microBatchTokens), false, settings.winRate());
            case SPPO_PAIR -> new SppoGroupTrainer(
                    new SppoUpdate(policy, optimizer, new SppoLoss(settings.eta()), padId, microBatchTokens), true, settings.winRate());
            case DPO -> new PairGroupTrainer(
                    new PairwiseUpdate(policy, reference, optimizer, new DpoLoss(settings.beta()), padId, microBatchTokens));
            case IPO, IPO_MD -> new PairGroupTrainer(
                    new PairwiseUpdate(policy, reference, optimizer, new IpoLoss(settings.beta()), padId, microBatchTokens));
            case SLIC -> new PairGroupTrainer(
                    new PairwiseUpdate(policy, reference, optimizer, new SlicLoss(settings.beta()), padId, microBatchTokens));
            case NASH_MD -> new NashMdGroupTrainer(
                    new NashMdUpdate(policy, reference, optimizer, new NashMdLoss(settings.beta()), padId, microBatchTokens));
        };
    }
}
