package io.sppo4j.model.task.game;

import io.sppo4j.model.sft.Demonstrations;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.SplittableRandom;

/**
 * Uniformly random moves: the reference policy of a game plays every response equally often, a
 * start that is neither the equilibrium nor biased towards any part of it.
 *
 * <p>A response is its single token, without EOS: a move is exactly one token, so generation for
 * a game stops after one token and an EOS would never be sampled. (This departs from the usual
 * {@link Demonstration} response, which ends with EOS.)
 */
public final class GameDemonstrations implements Demonstrations {

    private final PreferenceGame game;
    private final Tokenizer tokenizer;

    /** Throws unless {@code tokenizer} encodes every response as one token, as {@link GameTokenizer} does. */
    public GameDemonstrations(PreferenceGame game, Tokenizer tokenizer) {
        for (String response : game.responses()) {
            int length = tokenizer.encode(response).length;
            if (length != 1) {
                // Another tokenizer would train a multi-token move the game's sampling never completes.
                throw new IllegalArgumentException("the game task needs a tokenizer with one token per response (its"
                        + " GameTokenizer), but \"" + response + "\" encodes to " + length + " tokens");
            }
        }
        this.game = game;
        this.tokenizer = tokenizer;
    }

    @Override
    public Demonstration next(SplittableRandom random) {
        String move = game.responses().get(random.nextInt(game.size()));
        return new Demonstration(tokenizer.encodePrompt(""), tokenizer.encode(move));
    }
}
