package io.sppo4j.model.task;

import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.sft.Demonstrations;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A task judged by another judge than its own (the one {@code sppo4j.judge.type} names: a reward
 * model, an LLM behind HTTP): the prompts, demonstrations and response set stay the task's.
 */
public record JudgedTask(Task task, PreferenceModel judge) implements Task {

    @Override
    public String name() {
        return task.name();
    }

    @Override
    public String trainingPrompt(SplittableRandom random) {
        return task.trainingPrompt(random);
    }

    @Override
    public List<String> heldOutPrompts(int count, long seed) {
        return task.heldOutPrompts(count, seed);
    }

    @Override
    public Demonstrations demonstrations(Tokenizer tokenizer) {
        return task.demonstrations(tokenizer);
    }

    @Override
    public Optional<FiniteResponses> finiteResponses() {
        return task.finiteResponses();
    }
}
