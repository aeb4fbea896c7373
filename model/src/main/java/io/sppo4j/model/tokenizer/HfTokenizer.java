package io.sppo4j.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Hugging Face tokenizer ({@code tokenizer.json}) through DJL's binding of the Rust
 * {@code tokenizers}, with the special tokens of the model directory's config files
 * ({@link SpecialTokens}).
 *
 * <p><b>BOS rule.</b> {@link #encodePrompt} prepends BOS when the tokenizer would add it itself:
 * {@code add_bos_token} of {@code tokenizer_config.json} when present (transformers lets it
 * override the post-processor for Llama-2/Gemma-style tokenizers), otherwise whether the
 * {@code tokenizer.json} post-processor adds BOS to a sequence (Llama-3's TemplateProcessing
 * does; GPT-2's and Qwen2.5's ByteLevel do not). BOS is never doubled: text that already begins
 * with it (a chat template that prints {@code bos_token}) keeps the one it has. Nothing else the
 * post-processor might add (an EOS, a SEP) is added to a prompt.
 *
 * <p>The native library comes from the DJL jar and is unpacked once into DJL's cache
 * ({@code ~/.djl.ai/tokenizers}); nothing is downloaded. Owns a native handle: close it.
 */
public final class HfTokenizer implements Tokenizer, AutoCloseable {

    static {
        // DJL reports library use to a telemetry endpoint unless told not to; sppo4j runs offline.
        if (System.getenv("OPT_OUT_TRACKING") == null && System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
    }

    private final HuggingFaceTokenizer tokenizer;
    private final TokenVocabulary vocabulary;
    private final SpecialTokens special;
    private final boolean prependsBos;
    /** Most tokens of a prompt; 0 for no limit. */
    private final int maxPromptTokens;
    private final AtomicLong promptsCut = new AtomicLong();

    private HfTokenizer(
            HuggingFaceTokenizer tokenizer, TokenVocabulary vocabulary, SpecialTokens special, int maxPromptTokens) {
        this.tokenizer = tokenizer;
        this.vocabulary = vocabulary;
        this.special = special;
        this.prependsBos = special.hasBos() && special.addBosToken().orElseGet(this::postProcessorAddsBos);
        this.maxPromptTokens = maxPromptTokens;
    }

    /** Loads {@code tokenizer.json} and the special tokens of a Hugging Face model directory. */
    public static HfTokenizer load(Path modelDirectory) throws IOException {
        return load(modelDirectory, 0);
    }

    /**
     * As {@link #load(Path)}, with prompts of more than {@code maxPromptTokens} tokens cut to their
     * last ones ({@code sppo4j.prompts.max-tokens}; 0 for no limit): see {@link #encodePrompt}.
     */
    public static HfTokenizer load(Path modelDirectory, int maxPromptTokens) throws IOException {
        if (maxPromptTokens < 0 || maxPromptTokens == 1) {
            throw new IllegalArgumentException("a prompt limit must be 0 (none) or at least 2 tokens, got " + maxPromptTokens);
        }
        Path file = modelDirectory.resolve(ModelFiles.TOKENIZER);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(modelDirectory + ": no " + ModelFiles.TOKENIZER
                    + " (only fast tokenizers in tokenizer.json form are read)");
        }
        TokenVocabulary vocabulary = TokenVocabulary.read(file);
        SpecialTokens special = SpecialTokens.read(modelDirectory, vocabulary);
        // Truncation and padding are the caller's business: a prompt is never cut to 512 tokens behind its back.
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(file, Map.of(
                "addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        return new HfTokenizer(tokenizer, vocabulary, special, maxPromptTokens);
    }

    public SpecialTokens specialTokens() {
        return special;
    }

    /** Whether {@link #encodePrompt} starts raw text with BOS (see the class comment). */
    public boolean prependsBos() {
        return prependsBos;
    }

    /** The tokenizer's vocabulary (model plus added tokens); a model's embedding may be larger. */
    @Override
    public int vocabSize() {
        return vocabulary.size();
    }

    @Override
    public int bos() {
        return special.bos();
    }

    @Override
    public int eos() {
        return special.eos();
    }

    @Override
    public int pad() {
        return special.pad();
    }

    @Override
    public int[] stopTokens() {
        return special.stopTokens();
    }

    /** Ids of {@code text} without post-processing; special tokens written in the text are matched. */
    @Override
    public int[] encode(String text) {
        return toInts(tokenizer.encode(text, false, false).getIds());
    }

    /**
     * BOS where the model's tokenizer adds one, then the prompt's ids. Past the prompt limit the
     * prompt keeps its last tokens behind its first (TRL's {@code truncation_mode = "keep_end"},
     * which the official SPPO trainer uses with {@code max_prompt_length = 512}): a chat prompt
     * keeps the assistant header it ends with, and the BOS or first token it starts with. Every
     * cut is counted ({@link #promptsCut}). The sampler, the judge's view of the tokens and the
     * learner all use these ids, so the sampled log-probabilities and the trained ones agree.
     */
    @Override
    public int[] encodePrompt(String prompt) {
        int[] body = encode(prompt);
        int[] ids = body;
        if (prependsBos && (body.length == 0 || body[0] != special.bos())) {
            ids = new int[body.length + 1];
            ids[0] = special.bos();
            System.arraycopy(body, 0, ids, 1, body.length);
        }
        if (maxPromptTokens == 0 || ids.length <= maxPromptTokens) {
            return ids;
        }
        promptsCut.incrementAndGet();
        int[] cut = new int[maxPromptTokens];
        cut[0] = ids[0];
        System.arraycopy(ids, ids.length - (maxPromptTokens - 1), cut, 1, maxPromptTokens - 1);
        return cut;
    }

    /** Encodings {@link #encodePrompt} cut to the prompt limit so far (a prompt encoded twice counts twice). */
    public long promptsCut() {
        return promptsCut.get();
    }

    /** The prompt limit; 0 for none. */
    public int maxPromptTokens() {
        return maxPromptTokens;
    }

    /** Text up to the first stop token, special tokens dropped. */
    @Override
    public String decode(int[] ids) {
        int end = ids.length;
        for (int i = 0; i < ids.length && end == ids.length; i++) {
            for (int stop : special.stopTokens()) {
                if (ids[i] == stop) {
                    end = i;
                    break;
                }
            }
        }
        long[] kept = new long[end];
        for (int i = 0; i < end; i++) {
            kept[i] = ids[i];
        }
        return tokenizer.decode(kept, true);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private boolean postProcessorAddsBos() {
        long[] withSpecial = tokenizer.encode("", true, false).getIds();
        return withSpecial.length > 0 && withSpecial[0] == special.bos();
    }

    private static int[] toInts(long[] ids) {
        return Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
    }
}
