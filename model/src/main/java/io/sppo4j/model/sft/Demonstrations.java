package io.sppo4j.model.sft;

import java.util.SplittableRandom;

/** An endless source of (prompt, response) token pairs to imitate. */
public interface Demonstrations {

    /** The next demonstration; the same random state gives the same one. */
    Demonstration next(SplittableRandom random);

    /**
     * @param prompt token ids starting with BOS
     * @param response token ids ending with EOS
     */
    record Demonstration(int[] prompt, int[] response) {}
}
