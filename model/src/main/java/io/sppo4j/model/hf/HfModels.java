package io.sppo4j.model.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.PolicyFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Entry points for Hugging Face model directories: load a causal language model or a reward
 * model, save one back where {@code transformers} loads it. See {@code docs/hf-models.md}.
 */
public final class HfModels {

    private HfModels() {}

    /**
     * Loads a {@code LlamaForCausalLM}, {@code Qwen2ForCausalLM}, {@code MistralForCausalLM} or
     * {@code GPT2LMHeadModel} directory; the model owns a manager of its own on {@code device}.
     */
    public static HfCausalModel loadCausal(Path directory, Device device) throws IOException {
        return new HfCausalModel(HfCheckpoint.read(directory), NDManager.newBaseManager(device));
    }

    /** As {@link #loadCausal(Path, Device)}, the parameters under a child of {@code parent}. */
    public static HfCausalModel loadCausal(Path directory, NDManager parent, Device device) throws IOException {
        HfCheckpoint checkpoint = HfCheckpoint.read(directory);
        return new HfCausalModel(checkpoint, parent.newSubManager(device));
    }

    /** Loads a {@code *ForSequenceClassification} directory with one label, frozen. */
    public static HfRewardModel loadReward(Path directory, Device device) throws IOException {
        return new HfRewardModel(HfCheckpoint.read(directory), NDManager.newBaseManager(device));
    }

    /** As {@link #loadReward(Path, Device)}, the parameters under a child of {@code parent}. */
    public static HfRewardModel loadReward(Path directory, NDManager parent, Device device) throws IOException {
        HfCheckpoint checkpoint = HfCheckpoint.read(directory);
        return new HfRewardModel(checkpoint, parent.newSubManager(device));
    }

    /**
     * The causal model's shape ({@link HfCausalModel#shape()}) from {@code config.json} alone,
     * without reading its weights.
     */
    public static PolicyConfig shape(Path directory) throws IOException {
        Path file = directory.resolve(HfCheckpoint.CONFIG_FILE);
        ConfigJson config = ConfigJson.read(file);
        HfArchitecture architecture = HfArchitecture.of(config.firstString("architectures"), file);
        return HfDecoder.dimensions(config, architecture.family()).shape();
    }

    /**
     * A factory giving every role its own copy of the causal model in {@code directory}; the
     * learner and the rollout workers then exchange weights by snapshot as with the built-in policy.
     */
    public static PolicyFactory policyFactory(Path directory) {
        return (parent, device) -> {
            try {
                return loadCausal(directory, parent, device);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    /**
     * Writes {@code model}'s current weights to {@code target} in the layout, dtypes and with the
     * companion files of the directory it was loaded from (see {@link HfCheckpointWriter}).
     * {@code target} may be that directory: the save replaces it atomically.
     */
    public static void save(HfModel model, Path target) throws IOException {
        HfCheckpointWriter.write(model, target);
    }

    /**
     * {@link #save} for a policy as the training code holds it.
     *
     * @throws IllegalArgumentException when {@code policy} was not loaded from a Hugging Face directory
     */
    public static void savePolicy(LanguageModel policy, Path target) throws IOException {
        if (!(policy instanceof HfModel model)) {
            throw new IllegalArgumentException("only models loaded by HfModels can be saved as Hugging Face"
                    + " directories, got " + (policy == null ? "null" : policy.getClass().getName()));
        }
        save(model, target);
    }
}
