package io.sppo4j.model.task.game;

import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.sft.Demonstrations;
import io.sppo4j.model.task.Task;
import io.sppo4j.model.task.FiniteResponses;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The built-in {@code game} task: a {@link PreferenceGame} played by a policy that emits one token
 * per response. The game has a single state, so every prompt is empty ({@code [BOS]} as tokens)
 * and training and evaluation share it: there is nothing to hold out. The equilibrium is known
 * exactly ({@link NashSolver}), so {@link Exploitability} of the trained policy measures the
 * method itself.
 */
public final class GameTask implements Task {

    private final PreferenceGame game;
    private final GameTokenizer tokenizer;

    public GameTask(PreferenceGame game) {
        this.game = game;
        this.tokenizer = new GameTokenizer(game);
    }

    public PreferenceGame game() {
        return game;
    }

    /** The tokenizer a game's policy must use: one id per response. */
    public GameTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public String name() {
        return "game";
    }

    /** Always {@code ""}: a game has one state. */
    @Override
    public String trainingPrompt(SplittableRandom random) {
        return "";
    }

    /** {@code count} empty prompts, whatever the seed. */
    @Override
    public List<String> heldOutPrompts(int count, long seed) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be non-negative, got " + count);
        }
        return Collections.nCopies(count, "");
    }

    @Override
    public PreferenceModel judge() {
        return new GameJudge(game);
    }

    /**
     * Uniformly random moves. {@code tokenizer} must encode each response as one token, as
     * {@link #tokenizer()} does; any other is rejected.
     */
    @Override
    public Demonstrations demonstrations(Tokenizer tokenizer) {
        return new GameDemonstrations(game, tokenizer);
    }

    /** One state, one token per move: the policy's strategy is its next-token distribution after BOS. */
    @Override
    public Optional<FiniteResponses> finiteResponses() {
        return Optional.of(new FiniteResponses(tokenizer.encodePrompt(""), tokenizer.responseIds()));
    }
}
