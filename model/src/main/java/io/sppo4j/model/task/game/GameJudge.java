package io.sppo4j.model.task.game;

import io.sppo4j.model.judge.PreferenceModel;

import java.util.List;

/**
 * The judge of a {@link PreferenceGame}: {@code P[a][b]} is read from the game's matrix. A
 * response that is not a move of the game (the {@code ""} that {@link GameTokenizer} decodes a
 * special token to, say) loses outright to every move and ties with other non-moves, so a policy
 * is pushed off special tokens without the game's own preferences being touched.
 */
public final class GameJudge implements PreferenceModel {

    private final PreferenceGame game;

    public GameJudge(PreferenceGame game) {
        this.game = game;
    }

    @Override
    public String name() {
        return "game-" + game.name();
    }

    /** The prompt is ignored: a game has a single state. */
    @Override
    public double[][] preferences(String prompt, List<String> responses) {
        int k = responses.size();
        int[] move = new int[k];
        for (int a = 0; a < k; a++) {
            move[a] = game.indexOf(responses.get(a));
        }
        double[][] p = new double[k][k];
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                if (move[a] >= 0 && move[b] >= 0) {
                    p[a][b] = game.preference(move[a], move[b]);
                } else if (move[a] < 0 && move[b] < 0) {
                    p[a][b] = 0.5;
                } else {
                    p[a][b] = move[a] >= 0 ? 1.0 : 0.0;
                }
            }
        }
        return p;
    }
}
