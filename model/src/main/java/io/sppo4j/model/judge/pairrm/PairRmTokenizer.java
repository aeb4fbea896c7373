package io.sppo4j.model.judge.pairrm;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * PairRM's input, as LLM-Blender builds it for ranking ({@code CrossCompareCollator} and
 * {@code tokenize_pair} in {@code llm_blender/pair_ranker/collator.py} and
 * {@code llm_blender/blender/blender_utils.py}): the source {@code <|source|>x} and each candidate
 * {@code <|candidateN|>y} are tokenised apart, each with the tokenizer's own special tokens
 * ({@code [CLS] … [SEP]} for DeBERTa) and cut from the right: the source to
 * {@code maxSourceTokens} (1224), each candidate to {@code maxCandidateTokens} (412) plus half of
 * what the source left unused, so the whole never exceeds 1224 + 2·412 = 2048. The separator's
 * text in any part is replaced by a space first, as the collator does, so a response cannot
 * forge a boundary.
 *
 * <p>The text goes through {@code tokenizer.json} by DJL's binding of the Rust tokenizers, which
 * reads DeBERTa-v3's SentencePiece Unigram model (Metaspace pre-tokenizer, precompiled
 * normaliser) and the four tokens PairRM adds ({@code <|source|>}, {@code <|candidate1|>},
 * {@code <|candidate2|>}, {@code <|candidate|>}, ids 128001–128004 in PairRM-hf). Owns a native
 * handle: close it.
 */
final class PairRmTokenizer implements AutoCloseable {

    static final String SOURCE_PREFIX = "<|source|>";
    static final String CANDIDATE1_PREFIX = "<|candidate1|>";
    static final String CANDIDATE2_PREFIX = "<|candidate2|>";

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;
    /** What the post-processor puts around one sequence: [CLS] before, [SEP] after. */
    private final long[] around;
    private final String separator;

    private PairRmTokenizer(HuggingFaceTokenizer tokenizer, Path file) {
        this.tokenizer = tokenizer;
        this.file = file;
        this.around = tokenizer.encode("", true, false).getIds();
        if (around.length != 2) {
            throw new IllegalArgumentException(file + ": the post-processor puts " + around.length
                    + " special tokens around a sequence; PairRM reads [CLS] text [SEP] (2)");
        }
        this.separator = tokenizer.decode(new long[] {around[1]}, false);
        if (separator.isBlank()) {
            throw new IllegalArgumentException(file + ": the separator token " + around[1] + " has no text");
        }
    }

    /** Loads {@code tokenizer.json} from a PairRM directory. */
    static PairRmTokenizer load(Path directory) throws IOException {
        Path file = directory.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(directory + ": no tokenizer.json (PairRM-hf ships one; the slow"
                    + " spm.model alone is not read)");
        }
        // Truncation and padding are done here, per part, as LLM-Blender does them.
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(file, Map.of(
                "addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        try {
            return new PairRmTokenizer(tokenizer, file);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** Fails unless each prefix is one token with the id config.json gives it. */
    void requirePrefixIds(DebertaV2Config config) {
        requireSingleToken(SOURCE_PREFIX, config.sourcePrefixId(), "source_prefix_id");
        requireSingleToken(CANDIDATE1_PREFIX, config.candidate1PrefixId(), "cand1_prefix_id");
        requireSingleToken(CANDIDATE2_PREFIX, config.candidate2PrefixId(), "cand2_prefix_id");
    }

    private void requireSingleToken(String text, int expected, String key) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        if (ids.length != 1 || ids[0] != expected) {
            throw new IllegalArgumentException(file + ": '" + text + "' encodes to " + Arrays.toString(ids)
                    + ", but config.json " + key + " is " + expected + " (the tokenizer must have PairRM's added tokens)");
        }
    }

    /**
     * {@code [CLS] prefix text… [SEP]}, the text cut from the right so that the whole has at most
     * {@code maxTokens} tokens (transformers' {@code encode(max_length=…, truncation=True)}).
     */
    int[] encode(String prefix, String text, int maxTokens) {
        if (maxTokens < around.length + 1) {
            throw new IllegalArgumentException("a part of a PairRM input needs at least " + (around.length + 1)
                    + " tokens, got a limit of " + maxTokens);
        }
        long[] body = tokenizer.encode(prefix + text.replace(separator, " "), false, false).getIds();
        int kept = Math.min(body.length, maxTokens - around.length);
        int[] ids = new int[kept + around.length];
        ids[0] = Math.toIntExact(around[0]);
        for (int i = 0; i < kept; i++) {
            ids[i + 1] = Math.toIntExact(body[i]);
        }
        ids[ids.length - 1] = Math.toIntExact(around[1]);
        return ids;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
