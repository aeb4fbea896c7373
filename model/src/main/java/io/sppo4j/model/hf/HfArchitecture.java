package io.sppo4j.model.hf;

import io.sppo4j.model.decoder.DecoderConfig;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The {@code architectures[0]} values of {@code config.json} this package loads: which decoder
 * family computes the hidden states and which head turns them into outputs.
 */
public enum HfArchitecture {
    LLAMA_CAUSAL_LM("LlamaForCausalLM", Family.LLAMA, Head.LANGUAGE_MODEL),
    QWEN2_CAUSAL_LM("Qwen2ForCausalLM", Family.QWEN2, Head.LANGUAGE_MODEL),
    MISTRAL_CAUSAL_LM("MistralForCausalLM", Family.MISTRAL, Head.LANGUAGE_MODEL),
    GPT2_LM_HEAD_MODEL("GPT2LMHeadModel", Family.GPT2, Head.LANGUAGE_MODEL),
    LLAMA_SEQUENCE_CLASSIFICATION("LlamaForSequenceClassification", Family.LLAMA, Head.REWARD),
    QWEN2_SEQUENCE_CLASSIFICATION("Qwen2ForSequenceClassification", Family.QWEN2, Head.REWARD),
    GPT2_SEQUENCE_CLASSIFICATION("GPT2ForSequenceClassification", Family.GPT2, Head.REWARD);

    /** Decoder stacks; Llama, Qwen2 and Mistral share one implementation and differ in config only. */
    public enum Family {
        LLAMA("model."),
        QWEN2("model."),
        MISTRAL("model."),
        GPT2("transformer.");

        private final String basePrefix;

        Family(String basePrefix) {
            this.basePrefix = basePrefix;
        }

        /** Prefix of the decoder's tensor names inside a *For* model ({@code model.layers.0...}). */
        public String basePrefix() {
            return basePrefix;
        }

        /** The decoder {@code config.json} describes, its tensor names starting with {@code prefix}. */
        DecoderConfig decoder(ConfigJson config, String prefix) {
            return this == GPT2 ? Gpt2Config.from(config, prefix) : LlamaConfig.from(config, this, prefix);
        }
    }

    /** What sits on the final hidden states: next-token logits, or one scalar per sequence. */
    public enum Head {
        LANGUAGE_MODEL,
        REWARD
    }

    private final String className;
    private final Family family;
    private final Head head;

    HfArchitecture(String className, Family family, Head head) {
        this.className = className;
        this.family = family;
        this.head = head;
    }

    /** The transformers class name, as {@code config.json} spells it. */
    public String className() {
        return className;
    }

    public Family family() {
        return family;
    }

    public Head head() {
        return head;
    }

    /**
     * @param configFile named in the error
     * @throws IllegalArgumentException naming the architecture and the supported ones
     */
    public static HfArchitecture of(String className, Path configFile) {
        for (HfArchitecture architecture : values()) {
            if (architecture.className.equals(className)) {
                return architecture;
            }
        }
        throw new IllegalArgumentException(configFile + ": unsupported architecture '" + className
                + "'; supported: " + Arrays.stream(values()).map(HfArchitecture::className).collect(Collectors.joining(", ")));
    }
}
