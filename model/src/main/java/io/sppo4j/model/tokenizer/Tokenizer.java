package io.sppo4j.model.tokenizer;

/**
 * Text to token ids and back. The byte-level tokenizer is built in; Hugging Face
 * {@code tokenizer.json} tokenizers implement the same interface.
 */
public interface Tokenizer {

    int vocabSize();

    /** Beginning-of-sequence id, prepended to prompts. */
    int bos();

    /** End-of-sequence id: sampling stops when a sequence emits it. */
    int eos();

    /**
     * Every id that ends a response: {@link #eos()} and, for models whose generation config
     * lists several end-of-sequence ids (Llama-3-Instruct's {@code <|eot_id|>} and
     * {@code <|end_of_text|>}), the others too.
     */
    default int[] stopTokens() {
        return new int[] {eos()};
    }

    /** Padding id: never attended to, never scored. */
    int pad();

    /** Ids of {@code text}, without special tokens. */
    int[] encode(String text);

    /** Text of {@code ids}, dropping special tokens and everything from the first EOS on. */
    String decode(int[] ids);

    /** A prompt as the policy sees it: BOS, then the text's ids. */
    default int[] encodePrompt(String prompt) {
        int[] body = encode(prompt);
        int[] ids = new int[body.length + 1];
        ids[0] = bos();
        System.arraycopy(body, 0, ids, 1, body.length);
        return ids;
    }

    /** A response as it is trained on: the text's ids, then EOS. */
    default int[] encodeResponse(String response) {
        int[] body = encode(response);
        int[] ids = new int[body.length + 1];
        System.arraycopy(body, 0, ids, 0, body.length);
        ids[body.length] = eos();
        return ids;
    }
}
