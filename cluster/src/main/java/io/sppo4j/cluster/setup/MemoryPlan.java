package io.sppo4j.cluster.setup;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.actors.settings.EvalSettings;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.RolloutSettings;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.model.decoder.Decoder;
import io.sppo4j.model.decoder.DecoderConfig;
import io.sppo4j.model.decoder.LoraConfig;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.judge.Judges;
import io.sppo4j.model.memory.AvailableMemory;
import io.sppo4j.model.memory.MemoryLedger;
import io.sppo4j.model.memory.ModelMemory;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.weights.TensorEncoding;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The memory a process's roles will hold, from the configuration alone, before any model is
 * loaded: printed at start, and a refusal with the figures when a device cannot hold it
 * ({@code sppo4j.memory}).
 */
public final class MemoryPlan {

    /** Prompts drawn to estimate the longest one. */
    private static final int PROMPT_SAMPLES = 256;
    /** What the JVM and libtorch hold besides the ledger's items (code, threads, allocator caches). */
    private static final long RUNTIME_BYTES = 512L << 20;

    private MemoryPlan() {}

    /**
     * Prints the ledger of {@code roles} (learner, rollout, judge; the learner's node also runs
     * the evaluator) to {@code out} and refuses when it cannot fit.
     *
     * @throws io.sppo4j.model.memory.InsufficientMemoryException with the ledger, when a device is short
     */
    public static MemoryLedger check(TaskSetup setup, Set<String> roles, PrintStream out) {
        Config config = setup.config();
        MemoryLedger ledger = ledger(setup, roles);
        Map<Device, Long> available = new LinkedHashMap<>();
        long limit = limit(config);
        for (Device device : ledger.totals().keySet()) {
            long has = device.isGpu() ? AvailableMemory.of(device) : (limit > 0 ? limit : AvailableMemory.of(device));
            if (has >= 0) {
                available.put(device, has);
            }
        }
        out.print(ledger.render(available));
        if (new ConfigReader(config, "sppo4j.memory").getBoolean("check")) {
            ledger.requireFits(available);
        }
        return ledger;
    }

    /** What each role of {@code roles} holds, by device. */
    public static MemoryLedger ledger(TaskSetup setup, Set<String> roles) {
        Config config = setup.config();
        DecoderConfig policy = policy(setup);
        LearnerSettings learner = LearnerSettings.from(config);
        RolloutSettings rollout = RolloutSettings.from(config);
        EvalSettings eval = EvalSettings.from(config);
        AlgorithmConfig algorithm = AlgorithmConfig.from(config);
        int prompt = longestPrompt(setup);
        int positions = Math.min(policy.contextLength(), prompt + rollout.sampling().maxNewTokens());
        Device host = Device.cpu();
        DataType transport = learner.weightEncoding() == TensorEncoding.BF16 ? DataType.BFLOAT16 : DataType.FLOAT32;
        LoraConfig lora = setup.lora().config();
        long adapterParameters = lora.parameterCount(policy);
        MemoryLedger ledger = new MemoryLedger();
        // The heap as committed now (it may grow to -Xmx), and what the JVM and libtorch need besides.
        ledger.add("runtime", "Java heap (committed) + JVM and libtorch", host, Runtime.getRuntime().totalMemory() + RUNTIME_BYTES);
        if (roles.contains("learner")) {
            Device device = setup.device("sppo4j.learner.device");
            Precision precision = learner.precision();
            int batch = learner.groupsPerStep() * rollout.groupSize();
            if (lora.enabled()) {
                // A frozen base kept in the compute type, float32 adapters and their state; the
                // reference is the base itself.
                ledger.add("learner", "frozen base (" + precision.compute() + ")", device,
                        ModelMemory.weights(policy, precision.compute()));
                ledger.add("learner", "LoRA adapters, rank " + lora.rank() + " (float32)", device, adapterParameters * 4);
                ledger.add("learner", "adapter gradients (float32)", device, adapterParameters * 4);
                ledger.add("learner", "adapter AdamW moments (float32)", device, 2 * adapterParameters * 4);
            } else {
                ledger.add("learner", "weights (" + precision.storage() + ")", device, ModelMemory.weights(policy, precision.storage()));
                ledger.add("learner", "gradients (float32)", device, ModelMemory.gradients(policy));
                ledger.add("learner", "AdamW moments (float32)", device, ModelMemory.optimizer(policy));
            }
            if (precision.compute() != precision.storage() && !lora.enabled()) {
                ledger.add("learner", "weights cast for the forward (" + precision.compute() + ")", device,
                        ModelMemory.weights(policy, precision.compute()));
            }
            if (algorithm.algorithm().usesReference() && !lora.enabled()) {
                DataType frozen = precision.inference().storage();
                ledger.add("learner", "frozen reference (" + frozen + ")", device, ModelMemory.weights(policy, frozen));
            }
            // A step's forward and backward run a micro-batch at a time: the activations are one slice's.
            int budget = learner.microBatchTokens();
            int rows = budget == 0 ? batch : Math.max(1, Math.min(batch, budget / positions));
            ledger.add("learner", "activations, " + (rows < batch ? rows + " of " : "") + batch + " × " + positions
                            + " tokens (estimate)", device,
                    ModelMemory.trainingActivations(policy, precision.compute(), rows, positions,
                            Math.min(positions, rollout.sampling().maxNewTokens())));
            ledger.add("learner", "weight version exported (host bytes)", host, versionBytes(policy, adapterParameters, transport));
            Device evalDevice = setup.device("sppo4j.rollout.device");
            DataType evalType = eval.precision().storage();
            ledger.add("evaluator", "policy or reference copy, while evaluating (" + evalType + ")", evalDevice,
                    ModelMemory.weights(policy, evalType));
            ledger.add("evaluator", "KV cache, " + eval.batchSize() + " × " + positions + " positions", evalDevice,
                    ModelMemory.kvCache(policy, eval.precision().compute(), eval.batchSize(), positions));
            ledger.add("evaluator", "decoding activations (estimate)", evalDevice,
                    ModelMemory.decodeActivations(policy, eval.precision().compute(), eval.batchSize(), prompt));
        }
        if (roles.contains("rollout")) {
            Device device = setup.device("sppo4j.rollout.device");
            Precision precision = rollout.precision();
            boolean mixture = algorithm.algorithm().sampling() != io.sppo4j.model.train.Algorithm.Sampling.POLICY;
            // Under LoRA the mixture's reference is read off the policy's own base: one copy of the weights.
            int copies = mixture && !lora.enabled() ? 2 : 1;
            int batch = rollout.groupsPerBatch() * rollout.groupSize();
            for (int worker = 0; worker < rollout.workers(); worker++) {
                String role = "rollout " + worker;
                ledger.add(role, "policy" + (copies > 1 ? " and reference" : "") + " (" + precision.storage() + ")", device,
                        copies * ModelMemory.weights(policy, precision.storage()));
                if (lora.enabled()) {
                    ledger.add(role, "LoRA adapters (float32)", device, adapterParameters * 4);
                    if (lora.mergeForDecoding()) {
                        ledger.add(role, "merged adapted weights (" + precision.compute() + ")", device,
                                lora.adaptedWeightCount(policy) * precision.compute().getNumOfBytes());
                    }
                }
                if (rollout.packedFp16Weights() && Decoder.packsFp16(policy, device, precision.compute())) {
                    ledger.add(role, "float16-packed decoding weights", device, ModelMemory.packedFp16Weights(policy));
                }
                ledger.add(role, "KV cache, " + batch + " × " + positions + " positions", device,
                        (mixture ? 2 : 1) * ModelMemory.kvCache(policy, precision.compute(), batch, positions));
                ledger.add(role, "decoding activations (estimate)", device,
                        ModelMemory.decodeActivations(policy, precision.compute(), batch, prompt));
                ledger.add(role, "weight version received (host bytes)", host, versionBytes(policy, adapterParameters, transport));
            }
        }
        if (roles.contains("judge") && Judges.type(config) == Judges.Type.REWARD_MODEL) {
            ConfigReader reward = new ConfigReader(config, "sppo4j.judge.reward-model");
            DecoderConfig judge = decoder(Path.of(reward.getString("path")), reward.path("path"));
            Device device = Devices.parse(reward.getString("device"), reward.path("device"));
            Precision precision = Precision.parse(reward.getString("dtype"), false, reward.path("dtype"));
            int judged = Math.min(judge.contextLength(), positions);
            ledger.add("judge", "reward model (" + precision.storage() + ")", device, ModelMemory.weights(judge, precision.storage()));
            ledger.add("judge", "activations, " + rollout.groupSize() + " × " + judged + " tokens (estimate)", device,
                    ModelMemory.inferenceActivations(judge, precision.compute(), rollout.groupSize(), judged));
        }
        return ledger;
    }

    /** A published version: the whole model, or under LoRA its adapters alone. */
    private static long versionBytes(DecoderConfig policy, long adapterParameters, DataType transport) {
        return adapterParameters > 0 ? adapterParameters * transport.getNumOfBytes() : ModelMemory.weights(policy, transport);
    }

    private static DecoderConfig policy(TaskSetup setup) {
        String path = setup.config().getString("sppo4j.policy.path");
        return path.isBlank() ? HfModels.builtInConfig(setup.policyConfig()) : decoder(Path.of(path), "sppo4j.policy.path");
    }

    private static DecoderConfig decoder(Path directory, String key) {
        try {
            return HfModels.decoderConfig(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": cannot read " + directory + ": " + e.getMessage(), e);
        }
    }

    /** The longest of a sample of the task's prompts, in tokens. */
    private static int longestPrompt(TaskSetup setup) {
        SplittableRandom random = new SplittableRandom(setup.seed());
        int longest = 1;
        for (int i = 0; i < PROMPT_SAMPLES; i++) {
            longest = Math.max(longest, setup.tokenizer().encodePrompt(setup.task().trainingPrompt(random)).length);
        }
        return longest;
    }

    /** {@code sppo4j.memory.host-limit}: bytes the host may give, 0 for what /proc/meminfo says. */
    private static long limit(Config config) {
        return config.getBytes("sppo4j.memory.host-limit");
    }
}
