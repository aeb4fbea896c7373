package io.sppo4j.model.task.game;

import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.List;

/**
 * One token per response of a {@link PreferenceGame}: ids {@code 0 .. n−1} are the responses in
 * the game's order, then BOS ({@code n}), EOS ({@code n+1}) and PAD ({@code n+2}). A policy over
 * this vocabulary that emits one token plays one move, so its next-token distribution after BOS
 * restricted to {@link #responseIds()} is its mixed strategy.
 */
public final class GameTokenizer implements Tokenizer {

    private final List<String> responses;

    public GameTokenizer(PreferenceGame game) {
        this.responses = game.responses();
    }

    /** Number of responses: ids below this are moves. */
    public int responseCount() {
        return responses.size();
    }

    /** The ids a policy may generate as its move, {@code 0 .. n−1}. */
    public int[] responseIds() {
        int[] ids = new int[responses.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        return ids;
    }

    @Override
    public int vocabSize() {
        return responses.size() + 3;
    }

    @Override
    public int bos() {
        return responses.size();
    }

    @Override
    public int eos() {
        return responses.size() + 1;
    }

    @Override
    public int pad() {
        return responses.size() + 2;
    }

    /**
     * The single id of a whole response; the empty string (the game's only prompt) encodes to no
     * ids. Any other text is not a move and is rejected.
     */
    @Override
    public int[] encode(String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        int id = responses.indexOf(text);
        if (id < 0) {
            throw new IllegalArgumentException("\"" + text + "\" is not a response of this game; the responses are " + responses);
        }
        return new int[] {id};
    }

    /**
     * The response of the first id, or {@code ""} if there is none or it is a special token: a
     * policy that opens with BOS, EOS or PAD has not made a move, and the judge scores it as a
     * loss. Ids after the first are ignored, because a move is exactly one token.
     */
    @Override
    public String decode(int[] ids) {
        if (ids.length == 0 || ids[0] < 0 || ids[0] >= responses.size()) {
            return "";
        }
        return responses.get(ids[0]);
    }
}
