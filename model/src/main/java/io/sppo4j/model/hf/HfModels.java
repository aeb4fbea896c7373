package io.sppo4j.model.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.decoder.DecoderConfig;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.policy.ConstrainedModel;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.PolicyFactory;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry points for Hugging Face model directories: load a causal language model or a reward
 * model, build the built-in policy or a random model from a {@code config.json}, save any of
 * them where {@code transformers} loads it. See {@code docs/hf-models.md}.
 */
public final class HfModels {

    private static final Logger LOG = LoggerFactory.getLogger(HfModels.class);

    private HfModels() {}

    /**
     * Loads a {@code LlamaForCausalLM}, {@code Qwen2ForCausalLM}, {@code MistralForCausalLM} or
     * {@code GPT2LMHeadModel} directory in float32; the model owns a manager of its own on {@code device}.
     */
    public static HfCausalModel loadCausal(Path directory, Device device) throws IOException {
        return loadCausal(directory, NDManager.newBaseManager(device), device, Precision.FP32);
    }

    /** As {@link #loadCausal(Path, Device)}, the parameters under a child of {@code parent}. */
    public static HfCausalModel loadCausal(Path directory, NDManager parent, Device device) throws IOException {
        return loadCausal(directory, parent, device, Precision.FP32);
    }

    /** As {@link #loadCausal(Path, NDManager, Device)}, kept and computed in {@code precision}. */
    public static HfCausalModel loadCausal(Path directory, NDManager parent, Device device, Precision precision)
            throws IOException {
        return loadCausal(directory, parent, device, precision, LoraSetup.NONE);
    }

    /**
     * As {@link #loadCausal(Path, NDManager, Device, Precision)}, with LoRA adapters: drawn as
     * {@code lora.config()} says (B = 0, so the model starts as the base), or read from
     * {@code lora.adapter()}, a {@code peft} directory.
     */
    public static HfCausalModel loadCausal(Path directory, NDManager parent, Device device, Precision precision,
            LoraSetup lora) throws IOException {
        HfModelDirectory checkpoint = HfModelDirectory.read(directory);
        HfCausalModel model = new HfCausalModel(new WeightsOrigin.Read(checkpoint), parent.newSubManager(device), precision,
                lora.config());
        if (lora.enabled()) {
            try {
                String checksum = BaseChecksum.of(directory);
                model.tagLoraBase(directory, checksum);
                if (lora.adapter() != null) {
                    warnOnAnotherBase(lora.adapter(), PeftAdapter.load(model, lora.adapter()), directory, checksum);
                }
            } catch (IOException | RuntimeException e) {
                model.close();
                throw e;
            }
        }
        return model;
    }

    /**
     * An adapter this framework saved names the base it was trained on; another base (even the
     * same weights in another dtype) gives other outputs, which is worth a line but not a refusal:
     * applying an adapter to a converted copy of its base is common.
     */
    private static void warnOnAnotherBase(Path adapter, String trainedOn, Path base, String checksum) {
        if (trainedOn != null && !trainedOn.equals(checksum)) {
            LOG.warn("the adapter in {} was trained on a base with checksum {}, but {} has {}: its outputs will differ"
                    + " from the trained policy's unless the weights are the same", adapter, trainedOn, base, checksum);
        }
    }

    /** Loads a {@code *ForSequenceClassification} directory with one label, frozen, in float32. */
    public static HfRewardModel loadReward(Path directory, Device device) throws IOException {
        return loadReward(directory, NDManager.newBaseManager(device), device, Precision.FP32);
    }

    /** As {@link #loadReward(Path, Device)}, the parameters under a child of {@code parent}, in {@code precision}. */
    public static HfRewardModel loadReward(Path directory, NDManager parent, Device device, Precision precision)
            throws IOException {
        HfModelDirectory checkpoint = HfModelDirectory.read(directory);
        return new HfRewardModel(new WeightsOrigin.Read(checkpoint), parent.newSubManager(device), precision);
    }

    /**
     * The built-in policy: a small {@code GPT2LMHeadModel} of the given shape (learned positions,
     * pre-LayerNorm blocks, exact GELU, output head tied to the token embedding), drawn from the
     * seed alone, so equal shapes and seeds give equal weights. Its tensors are named as
     * transformers names them ({@code transformer.h.0.attn.c_attn.weight}) and
     * {@link #savePolicy} writes it as a directory {@code transformers} loads.
     */
    public static PolicyFactory builtIn(PolicyConfig shape, long seed) {
        return PolicyFactory.of((parent, device, precision) -> builtIn(shape, seed, parent, device, precision));
    }

    /** One built-in policy (see {@link #builtIn(PolicyConfig, long)}), its parameters under a child of {@code parent}. */
    public static HfCausalModel builtIn(PolicyConfig shape, long seed, NDManager parent, Device device, Precision precision) {
        WeightsOrigin origin = new WeightsOrigin.Seeded(Gpt2Config.builtIn(shape), seed, shape.dropout(), TensorDType.F32, false);
        return new HfCausalModel(origin, parent.newSubManager(device), precision);
    }

    /**
     * A model of the architecture {@code configJson} describes (causal or reward), every weight
     * drawn from {@code seed} as transformers initialises a model made from that config (N(0,
     * {@code initializer_range}), norms at 1, biases at 0): random-weight checkpoints of a real
     * model's public shape.
     *
     * @param savedAs the dtype a save writes the weights in
     */
    public static HfModel initialise(byte[] configJson, long seed, NDManager parent, Device device, Precision precision,
            TensorDType savedAs) {
        WeightsOrigin origin = new WeightsOrigin.Seeded(configJson, seed, 0f, savedAs, true);
        Path file = Path.of(HfModelDirectory.INITIALISED, HfModelDirectory.CONFIG_FILE);
        HfArchitecture architecture = HfArchitecture.of(ConfigJson.parse(configJson, file).firstString("architectures"), file);
        NDManager manager = parent.newSubManager(device);
        return architecture.head() == HfArchitecture.Head.REWARD
                ? new HfRewardModel(origin, manager, precision)
                : new HfCausalModel(origin, manager, precision);
    }

    /**
     * The causal model's shape ({@link HfCausalModel#shape()}) from {@code config.json} alone,
     * without reading its weights.
     */
    public static PolicyConfig shape(Path directory) throws IOException {
        DecoderConfig decoder = decoderConfig(directory);
        try {
            return decoder.shape();
        } catch (IllegalArgumentException e) {
            // A file every key of which is valid can still describe no policy shape we run.
            throw new IllegalArgumentException(directory.resolve(HfModelDirectory.CONFIG_FILE) + ": " + e.getMessage(), e);
        }
    }

    /** The decoder a directory's {@code config.json} describes (causal or reward), without reading its weights. */
    public static DecoderConfig decoderConfig(Path directory) throws IOException {
        Path file = directory.resolve(HfModelDirectory.CONFIG_FILE);
        ConfigJson config = ConfigJson.read(file);
        HfArchitecture architecture = HfArchitecture.of(config.firstString("architectures"), file);
        // The prefix names tensors only; the sizes do not depend on it.
        return architecture.family().decoder(config, "");
    }

    /** The decoder of the built-in policy of {@code shape} ({@link #builtIn(PolicyConfig, long)}). */
    public static DecoderConfig builtInConfig(PolicyConfig shape) {
        Path file = Path.of(HfModelDirectory.INITIALISED, HfModelDirectory.CONFIG_FILE);
        return Gpt2Config.from(ConfigJson.parse(Gpt2Config.builtIn(shape), file), "transformer.").withDropout(shape.dropout());
    }

    /**
     * A factory giving every role its own copy of the causal model in {@code directory}; the
     * learner and the rollout workers then exchange weights by snapshot as with the built-in policy.
     */
    public static PolicyFactory policyFactory(Path directory) {
        return policyFactory(directory, LoraSetup.NONE);
    }

    /** {@link #policyFactory(Path)} for models with LoRA adapters, each role's copy starting from the same ones. */
    public static PolicyFactory policyFactory(Path directory, LoraSetup lora) {
        return PolicyFactory.of((parent, device, precision) -> {
            try {
                return loadCausal(directory, parent, device, precision, lora);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * Writes {@code model}'s current weights to {@code target} in the layout, dtypes and with the
     * companion files of the directory it was loaded from (see {@link HfModelDirectoryWriter}).
     * {@code target} may be that directory: the save replaces it atomically.
     */
    public static void save(HfModel model, Path target) throws IOException {
        HfModelDirectoryWriter.write(model, target);
    }

    /**
     * {@link #save} for a policy as the training code holds it (a {@link ConstrainedModel} saves
     * the model it restricts).
     *
     * @throws IllegalArgumentException when {@code policy} is not a model of this package
     */
    public static void savePolicy(LanguageModel policy, Path target) throws IOException {
        LanguageModel inner = policy instanceof ConstrainedModel constrained ? constrained.unconstrained() : policy;
        if (!(inner instanceof HfModel model)) {
            throw new IllegalArgumentException("only models built by HfModels can be saved as Hugging Face"
                    + " directories, got " + (policy == null ? "null" : policy.getClass().getName()));
        }
        save(model, target);
    }
}
