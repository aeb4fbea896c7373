package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.crosscheck.TransformersFixtures;
import io.sppo4j.model.decoder.LoraAdapters;
import io.sppo4j.model.decoder.LoraConfig;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.optim.AdamW;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.optim.LearningRateSchedule;
import io.sppo4j.model.policy.KvCache;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.sampling.TokenBatch;
import io.sppo4j.model.scoring.SequenceScorer;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.TensorSpec;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * LoRA on the Hugging Face decoders: the adapted model starts as the base, merged and unmerged
 * passes agree, only adapters train, versions carry adapters only, and the {@code peft} files
 * round-trip.
 */
class LoraTest {

    private static final LoraConfig RANK_4 = new LoraConfig(4, 8, 0f, List.of(), 11, false);
    private static final int PAD = 0;

    @TempDir
    Path temp;

    @ParameterizedTest
    @EnumSource(value = TinyHfModels.Kind.class, names = {"LLAMA", "QWEN2", "GPT2"})
    void zeroInitialisedBGivesTheBasesLogits(TinyHfModels.Kind kind) throws IOException {
        Path directory = TinyHfModels.write(temp.resolve("base"), kind, TensorDType.F32, 1, 3).directory();
        try (NDManager manager = NDManager.newBaseManager();
                HfCausalModel base = HfModels.loadCausal(directory, manager, Device.cpu());
                HfCausalModel adapted = load(directory, manager, RANK_4)) {
            int expected = kind == TinyHfModels.Kind.GPT2 ? 4 : 7; // GPT-2: c_attn, attn.c_proj, c_fc, mlp.c_proj
            assertEquals(2 * expected * TinyHfModels.LAYERS, adapted.namedParameters().size(),
                    "A and B on each default target of each layer");
            assertTrue(adapted.namedParameters().keySet().stream().allMatch(name -> name.startsWith(LoraAdapters.PEFT_PREFIX)));
            assertEquals(0f, maxDifference(logits(base, manager), logits(adapted, manager)), "step 0 is the base");
            long parameters = adapted.namedParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
            assertEquals(parameters, RANK_4.parameterCount(adapted.decoderConfig()), "the ledger's count of adapter parameters");
            long adaptedWeights = adapted.adaptedWeights().stream()
                    .mapToLong(name -> adapted.checkpointParameters().get(name).getArray().size()).sum();
            assertEquals(adaptedWeights, RANK_4.adaptedWeightCount(adapted.decoderConfig()), "and of the weights they are on");
        }
    }

    @ParameterizedTest
    @EnumSource(value = TinyHfModels.Kind.class, names = {"LLAMA", "GPT2"})
    void mergedWeightsDecodeAsTheUnmergedAdapters(TinyHfModels.Kind kind) throws IOException {
        Path directory = TinyHfModels.write(temp.resolve("base"), kind, TensorDType.F32, 1, 3).directory();
        LoraConfig merging = new LoraConfig(4, 8, 0f, List.of(), 11, true);
        try (NDManager manager = NDManager.newBaseManager();
                HfCausalModel unmerged = load(directory, manager, RANK_4);
                HfCausalModel merged = load(directory, manager, merging)) {
            randomiseAdapters(unmerged, 5);
            WeightSnapshot.export(unmerged, 1, TensorEncoding.FP32).importInto(merged);
            unmerged.setTrainable(false);
            merged.setTrainable(false);
            assertFalse(unmerged.adapters().mergesForDecoding());
            assertTrue(merged.adapters().mergesForDecoding());
            float difference = maxDifference(logits(unmerged, manager), logits(merged, manager));
            assertTrue(difference <= 1e-5f, "merged differs from unmerged by " + difference);
            assertTrue(maxDifference(decoded(unmerged, manager), decoded(merged, manager)) <= 1e-5f,
                    "and so do cached (fused where it applies) passes");
            float moved = maxDifference(logits(merged, manager), baseLogits(directory, manager));
            assertTrue(moved > 1e-3f, "the adapters change the logits (" + moved + ")");
        }
    }

    @Test
    void onlyAdapterTensorsReceiveGradientsAndOptimiserState() throws IOException {
        Path directory = TinyHfModels.write(temp.resolve("base"), TinyHfModels.Kind.LLAMA, TensorDType.F32, 1, 3).directory();
        try (NDManager manager = NDManager.newBaseManager();
                HfCausalModel model = load(directory, manager, RANK_4);
                AdamW adamW = new AdamW(new AdamWConfig(0.01f, 0.9f, 0.999f, 1e-8f, 0f, 1f),
                        new LearningRateSchedule.Constant(0.01f));
                NDManager scope = manager.newSubManager()) {
            model.setTrainable(true);
            Map<String, float[]> before = values(model.checkpointParameters());
            Map<String, float[]> adaptersBefore = values(model.namedParameters());
            try (Autograd.Scope recording = Autograd.recording()) {
                NDArray loss = new SequenceScorer(PAD).score(model, scope, prompts(), responses(), true)
                        .sequenceLogProbs().sum().neg();
                Autograd.backward(loss);
            }
            for (Parameter parameter : model.checkpointParameters().values()) {
                assertFalse(parameter.requiresGradient(), parameter.getName() + " is frozen");
            }
            assertTrue(adamW.step(model).applied());
            assertEquals(before.keySet(), values(model.checkpointParameters()).keySet());
            values(model.checkpointParameters()).forEach((name, value) ->
                    assertArrayEquals(before.get(name), value, name + " did not move"));
            Map<String, float[]> adaptersAfter = values(model.namedParameters());
            long movedB = adaptersAfter.entrySet().stream()
                    .filter(entry -> entry.getKey().endsWith("lora_B.weight"))
                    .filter(entry -> !Arrays.equals(entry.getValue(), adaptersBefore.get(entry.getKey())))
                    .count();
            assertEquals(7L * TinyHfModels.LAYERS, movedB, "every B moved off zero");
            List<String> state = adamW.exportState().tensors().specs().stream().map(TensorSpec::name).toList();
            assertTrue(state.stream().allMatch(name -> name.substring(2).startsWith(LoraAdapters.PEFT_PREFIX)),
                    "optimiser state for adapters only: " + state.subList(0, 4));
            assertEquals(2 * model.namedParameters().size(), state.size());
        }
    }

    @Test
    void aVersionCarriesTheAdaptersOnly() throws IOException {
        Path directory = TinyHfModels.write(temp.resolve("base"), TinyHfModels.Kind.LLAMA, TensorDType.F32, 1, 3).directory();
        try (NDManager manager = NDManager.newBaseManager(); HfCausalModel model = load(directory, manager, RANK_4);
                HfCausalModel full = HfModels.loadCausal(directory, manager, Device.cpu());
                WeightSnapshot snapshot = WeightSnapshot.export(model, 1, TensorEncoding.FP32)) {
            assertEquals(model.adapters().bytes(), snapshot.byteSize());
            long fullBytes = WeightSnapshot.export(full, 1, TensorEncoding.FP32).byteSize();
            assertTrue(snapshot.byteSize() < fullBytes / 2, snapshot.byteSize() + " of " + fullBytes);
        }
    }

    @Test
    void theReferenceViewIsTheBaseWhateverTheAdaptersLearn() throws IOException {
        Path directory = TinyHfModels.write(temp.resolve("base"), TinyHfModels.Kind.LLAMA, TensorDType.F32, 1, 3).directory();
        try (NDManager manager = NDManager.newBaseManager(); HfCausalModel model = load(directory, manager, RANK_4)) {
            model.setTrainable(true);
            LanguageModel reference = model.referenceView();
            randomiseAdapters(model, 8);
            NDArray expected = baseLogits(directory, manager);
            assertEquals(0f, maxDifference(expected, logits(reference, manager)), "reference = adapters off");
            assertTrue(maxDifference(expected, logits(model, manager)) > 1e-3f, "the policy itself moved");
            reference.setTrainable(false);
            assertTrue(model.namedParameters().values().iterator().next().requiresGradient(),
                    "the view leaves the policy trainable");
        }
    }

    /** sppo4j.policy.adapter: a run that starts from an adapter plays against base + that adapter, not the bare base. */
    @Test
    void aRunStartedFromAnAdapterKeepsItAsTheReference() throws IOException {
        Path directory = TinyHfModels.write(temp.resolve("base"), TinyHfModels.Kind.LLAMA, TensorDType.F32, 1, 3).directory();
        Path adapter = temp.resolve("adapter");
        try (NDManager manager = NDManager.newBaseManager(); HfCausalModel sft = load(directory, manager, RANK_4)) {
            randomiseAdapters(sft, 12);
            PeftAdapter.save(sft, adapter, directory.toString(), BaseChecksum.of(directory));
        }
        try (NDManager manager = NDManager.newBaseManager();
                HfCausalModel model = HfModels.loadCausal(directory, manager, Device.cpu(), Precision.FP32,
                        LoraSetup.from(adapter, RANK_4))) {
            model.setTrainable(true);
            NDArray started = logits(model, manager);
            assertTrue(maxDifference(started, baseLogits(directory, manager)) > 1e-3f, "the adapter changes the base");
            LanguageModel reference = model.referenceView();
            randomiseAdapters(model, 13); // as training would move them
            assertEquals(0f, maxDifference(started, logits(reference, manager)), "reference = base + starting adapter");
            assertTrue(maxDifference(started, logits(model, manager)) > 1e-3f, "the policy itself moved");
        }
    }

    @Test
    void savedPeftFilesRoundTripNamesShapesDtypesAndConfigKeys() throws IOException {
        Path directory = TinyHfModels.write(temp.resolve("base"), TinyHfModels.Kind.LLAMA, TensorDType.BF16, 1, 3).directory();
        Path adapter = temp.resolve("adapter");
        try (NDManager manager = NDManager.newBaseManager(); HfCausalModel model = load(directory, manager, RANK_4)) {
            randomiseAdapters(model, 4);
            PeftAdapter.save(model, adapter, directory.toString(), BaseChecksum.of(directory));
            JsonObject config = JsonParser.parseString(Files.readString(adapter.resolve(PeftAdapter.CONFIG_FILE)))
                    .getAsJsonObject();
            assertEquals("LORA", config.get("peft_type").getAsString());
            assertEquals("CAUSAL_LM", config.get("task_type").getAsString());
            assertEquals(4, config.get("r").getAsInt());
            assertEquals(8.0, config.get("lora_alpha").getAsDouble());
            assertEquals(0.0, config.get("lora_dropout").getAsDouble());
            assertEquals("none", config.get("bias").getAsString());
            assertEquals(directory.toString(), config.get("base_model_name_or_path").getAsString());
            assertEquals(LoraConfig.LLAMA_TARGETS, config.get("target_modules").getAsJsonArray().asList().stream()
                    .map(element -> element.getAsString()).toList());
            SafeTensors.Contents contents = SafeTensors.read(adapter.resolve(PeftAdapter.WEIGHTS_FILE));
            NamedTensor a = contents.tensors().stream()
                    .filter(t -> t.name().equals("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight"))
                    .findFirst().orElseThrow();
            assertArrayEquals(new long[] {4, TinyHfModels.INTERMEDIATE}, a.shape());
            assertEquals(TensorDType.F32, a.dtype());
            assertEquals(BaseChecksum.of(directory), PeftAdapter.baseChecksum(adapter));
            assertEquals(model.namedParameters().keySet(),
                    contents.tensors().stream().map(NamedTensor::name).collect(Collectors.toCollection(java.util.LinkedHashSet::new)));

            try (HfCausalModel reloaded = HfModels.loadCausal(directory, manager, Device.cpu(), Precision.FP32,
                    LoraSetup.from(adapter, LoraConfig.OFF))) {
                assertEquals(0f, maxDifference(logits(model, manager), logits(reloaded, manager)), "loaded adapter = saved");
            }
        }
    }

    @Test
    void theMergedSaveIsAPlainCheckpointWithTheAdaptedLogits() throws IOException {
        Path directory = TinyHfModels.write(temp.resolve("base"), TinyHfModels.Kind.GPT2, TensorDType.F32, 1, 3).directory();
        Path saved = temp.resolve("policy");
        try (NDManager manager = NDManager.newBaseManager(); HfCausalModel model = load(directory, manager, RANK_4)) {
            randomiseAdapters(model, 6);
            HfModels.save(model, saved);
            try (HfCausalModel plain = HfModels.loadCausal(saved, manager, Device.cpu())) {
                float difference = maxDifference(logits(model, manager), logits(plain, manager));
                assertTrue(difference <= 1e-5f, "merged save differs by " + difference);
            }
        }
    }

    /**
     * The acceptance in small: base + a saved adapter, loaded as {@code --adapter} does,
     * gives the logits of a plain-Java forward pass over W + (alpha/r)·B·A computed here from the
     * files alone, sharing no code with the adapters.
     */
    @ParameterizedTest
    @EnumSource(value = TinyHfModels.Kind.class, names = {"LLAMA", "GPT2"})
    void baseAndAdapterMatchAnIndependentForwardOfTheMergedWeights(TinyHfModels.Kind kind) throws IOException {
        TinyHfModels.Fixture fixture = TinyHfModels.write(temp.resolve("base"), kind, TensorDType.F32, 1, 3);
        Path adapter = temp.resolve("adapter");
        try (NDManager manager = NDManager.newBaseManager(); HfCausalModel model = load(fixture.directory(), manager, RANK_4)) {
            randomiseAdapters(model, 8);
            PeftAdapter.save(model, adapter, fixture.directory().toString(), BaseChecksum.of(fixture.directory()));
        }
        Map<String, float[]> adapterTensors = SafeTensors.read(adapter.resolve(PeftAdapter.WEIGHTS_FILE)).tensors().stream()
                .collect(Collectors.toMap(NamedTensor::name, NamedTensor::toFloats));
        float scale = (float) (RANK_4.alpha() / RANK_4.rank());
        Map<String, float[]> merged = new LinkedHashMap<>(fixture.values());
        for (String name : fixture.values().keySet()) {
            String module = name.substring(0, name.length() - ".weight".length());
            float[] a = adapterTensors.get(LoraAdapters.PEFT_PREFIX + module + ".lora_A.weight");
            float[] b = adapterTensors.get(LoraAdapters.PEFT_PREFIX + module + ".lora_B.weight");
            if (a != null) {
                merged.put(name, plusScaledProduct(fixture.get(name), fixture.shapes().get(name), b, a, RANK_4.rank(), scale,
                        kind == TinyHfModels.Kind.GPT2));
            }
        }
        TinyHfModels.Fixture mergedFixture = new TinyHfModels.Fixture(fixture.directory(), kind, fixture.config(), merged,
                fixture.shapes(), fixture.buffers());
        int[] ids = {1, 17, 42, 5, 63, 30, 2, 9};
        float[][] expected = new NaiveReference(mergedFixture).logits(ids);
        try (NDManager manager = NDManager.newBaseManager();
                HfCausalModel adapted = HfModels.loadCausal(fixture.directory(), manager, Device.cpu(), Precision.FP32,
                        LoraSetup.inference(adapter))) {
            float[][] actual = TransformersFixtures.logits(adapted, ids);
            double worst = 0;
            for (int t = 0; t < ids.length; t++) {
                for (int v = 0; v < expected[t].length; v++) {
                    worst = Math.max(worst, Math.abs(expected[t][v] - actual[t][v]));
                }
            }
            assertTrue(worst <= 2e-3, kind + ": max |logit - independent W + (alpha/r)BA pass| = " + worst);
        }
    }

    /**
     * W + scale·B·A in plain loops. B is (out, r) and A (r, in) as peft stores them; GPT-2's
     * Conv1D keeps W as (in, out), so the product goes in transposed.
     */
    private static float[] plusScaledProduct(float[] weight, long[] shape, float[] b, float[] a, int rank, float scale,
            boolean transposed) {
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        int out = transposed ? cols : rows;
        int in = transposed ? rows : cols;
        float[] result = weight.clone();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double sum = 0;
                for (int k = 0; k < rank; k++) {
                    sum += (double) b[o * rank + k] * a[k * in + i];
                }
                int at = transposed ? i * cols + o : o * cols + i;
                result[at] += (float) (scale * sum);
            }
        }
        return result;
    }

    @Test
    void unsupportedPeftAdaptersAreRefusedByName() throws IOException {
        assertRefused("{\"peft_type\": \"LORA\", \"r\": 8, \"target_modules\": [\"q_proj\"], \"use_dora\": true}",
                "use_dora");
        assertRefused("{\"peft_type\": \"LORA\", \"r\": 8, \"target_modules\": [\"q_proj\", \"lm_head\"]}",
                "module 'lm_head' is not supported");
        assertRefused("{\"peft_type\": \"LORA\", \"r\": 8, \"target_modules\": \".*proj\"}", "target_modules");
        assertRefused("{\"peft_type\": \"PREFIX_TUNING\", \"r\": 8}", "only LORA");
        assertRefused("{\"peft_type\": \"LORA\", \"r\": 8, \"target_modules\": [\"q_proj\"], \"bias\": \"all\"}", "bias");
        assertRefused("{\"peft_type\": \"LORA\", \"r\": 8, \"target_modules\": [\"q_proj\"], \"rank_pattern\": {\"q\": 4}}",
                "rank_pattern");
    }

    @Test
    void anAdapterOfAnotherRankIsRefusedNamingTheTensor() throws IOException {
        Path directory = TinyHfModels.write(temp.resolve("base"), TinyHfModels.Kind.LLAMA, TensorDType.F32, 1, 3).directory();
        Path adapter = temp.resolve("adapter");
        try (NDManager manager = NDManager.newBaseManager(); HfCausalModel model = load(directory, manager, RANK_4)) {
            PeftAdapter.save(model, adapter, directory.toString(), null);
        }
        Path config = adapter.resolve(PeftAdapter.CONFIG_FILE);
        Files.writeString(config, Files.readString(config).replace("\"r\": 4", "\"r\": 2"));
        try (NDManager manager = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfModels.loadCausal(
                    directory, manager, Device.cpu(), Precision.FP32, LoraSetup.from(adapter, LoraConfig.OFF)));
            assertTrue(e.getMessage().contains("lora_A.weight") && e.getMessage().contains("shape"), e.getMessage());
        }
    }

    private void assertRefused(String json, String expected) throws IOException {
        Path adapter = Files.createDirectories(temp.resolve("refused"));
        Files.writeString(adapter.resolve(PeftAdapter.CONFIG_FILE), json, StandardCharsets.UTF_8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PeftAdapter.readConfig(adapter, 0, false));
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(PeftAdapter.CONFIG_FILE), e.getMessage());
    }

    private static HfCausalModel load(Path directory, NDManager manager, LoraConfig lora) throws IOException {
        return HfModels.loadCausal(directory, manager, Device.cpu(), Precision.FP32, LoraSetup.fresh(lora));
    }

    /** B (and A) drawn at random, as training would leave them: the adapters then change the model. */
    static void randomiseAdapters(HfCausalModel model, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        try (Autograd.Scope paused = Autograd.paused()) {
            for (Parameter parameter : model.namedParameters().values()) {
                NDArray array = parameter.getArray();
                float[] values = new float[Math.toIntExact(array.size())];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextDouble() - 0.5) * 0.5f;
                }
                array.set(values);
            }
        }
        model.parametersWritten();
    }

    private static Map<String, float[]> values(Map<String, Parameter> parameters) {
        Map<String, float[]> values = new java.util.LinkedHashMap<>();
        parameters.forEach((name, parameter) -> values.put(name, parameter.getArray().toFloatArray()));
        return values;
    }

    private static List<int[]> prompts() {
        return List.of(new int[] {1, 5, 9, 3}, new int[] {7, 2}, new int[] {4, 4, 8});
    }

    private static List<int[]> responses() {
        return List.of(new int[] {11, 12, 13}, new int[] {20, 21}, new int[] {30});
    }

    private static NDArray baseLogits(Path directory, NDManager manager) throws IOException {
        try (HfCausalModel base = HfModels.loadCausal(directory, manager, Device.cpu())) {
            NDArray logits = logits(base, manager);
            logits.attach(manager);
            return logits;
        }
    }

    /** Full-pass logits of a fixed left-padded batch, on {@code manager}. */
    private static NDArray logits(LanguageModel model, NDManager manager) {
        try (Autograd.Scope paused = Autograd.paused()) {
            TokenBatch.Padded batch = TokenBatch.layout(manager, prompts(), null, 4, 0, PAD);
            NDArray logits = model.forward(batch.tokens(), batch.mask(), null, false);
            NDArray copy = manager.create(logits.toFloatArray(), logits.getShape());
            return copy;
        }
    }

    /** The last position's logits of a cached pass (the decoding path). */
    private static NDArray decoded(LanguageModel model, NDManager manager) {
        try (Autograd.Scope paused = Autograd.paused(); NDManager scope = manager.newSubManager();
                KvCache cache = model.newCache(scope, prompts().size(), 8)) {
            TokenBatch.Padded batch = TokenBatch.layout(scope, prompts(), null, 4, 0, PAD);
            NDArray logits = model.nextTokenLogits(batch.tokens(), batch.mask(), cache);
            return manager.create(logits.toFloatArray(), logits.getShape());
        }
    }

    private static float maxDifference(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }
}
