package io.sppo4j.model.hf;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.sppo4j.model.checkpoint.DurableFiles;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.decoder.DecoderConfig;
import io.sppo4j.model.decoder.LoraAdapters;
import io.sppo4j.model.decoder.LoraConfig;
import io.sppo4j.model.weights.ModelParameters;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A LoRA adapter directory in {@code peft}'s layout, which {@code PeftModel.from_pretrained}
 * loads: {@code adapter_config.json} and {@code adapter_model.safetensors} with tensors named
 * {@code base_model.model.<module path>.lora_A.weight} / {@code .lora_B.weight}. What we do not
 * run (DoRA, rsLoRA, per-layer ranks, regular-expression targets, trained biases, extra saved
 * modules) is refused by name rather than loaded wrongly.
 */
public final class PeftAdapter {

    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** Safetensors metadata key holding the {@link BaseChecksum} of the base the adapter was trained on. */
    public static final String BASE_CHECKSUM_KEY = "sppo4j.base_checksum";

    /** Keys of {@code peft}'s LoraConfig that change the computation and that we do not implement. */
    private static final List<String> UNSUPPORTED = List.of("use_dora", "use_rslora", "modules_to_save",
            "layers_to_transform", "layers_pattern", "rank_pattern", "alpha_pattern", "megatron_config",
            "loftq_config", "trainable_token_indices");

    private PeftAdapter() {}

    /**
     * The adapter's shape as {@code adapter_config.json} gives it.
     *
     * @param seed unused by a loaded adapter's weights; kept for A's draw should it be re-initialised
     * @throws IllegalArgumentException naming the file and key of anything unsupported
     */
    public static LoraConfig readConfig(Path directory, long seed, boolean mergeForDecoding) throws IOException {
        ConfigJson config = ConfigJson.read(directory.resolve(CONFIG_FILE));
        String type = config.requiredString("peft_type");
        if (!type.equals("LORA")) {
            throw config.invalid("peft_type", "only LORA adapters are supported, got " + type);
        }
        String task = config.optionalString("task_type", "CAUSAL_LM");
        if (!task.equals("CAUSAL_LM")) {
            throw config.invalid("task_type", "only CAUSAL_LM adapters are supported, got " + task);
        }
        String bias = config.optionalString("bias", "none");
        if (!bias.equals("none")) {
            throw config.invalid("bias", "trained biases are not supported (bias must be none), got " + bias);
        }
        for (String key : UNSUPPORTED) {
            if (!config.isUnset(key)) {
                throw config.invalid(key, "is not supported (only plain LoRA: one rank and alpha for every module)");
            }
        }
        List<String> targets = config.strings("target_modules"); // a regular expression (a string) is refused here
        Set<String> supported = new LinkedHashSet<>(LoraConfig.LLAMA_TARGETS);
        supported.addAll(LoraConfig.GPT2_TARGETS);
        for (String target : targets) {
            if (!supported.contains(target)) {
                throw config.invalid("target_modules", "module '" + target + "' is not supported; adapters go on "
                        + supported);
            }
        }
        if (targets.isEmpty()) {
            throw config.invalid("target_modules", "missing");
        }
        int rank = config.requiredPositive("r");
        double alpha = config.optionalDouble("lora_alpha", 8);
        double dropout = config.optionalDouble("lora_dropout", 0);
        try {
            return new LoraConfig(rank, alpha, (float) dropout, targets, seed, mergeForDecoding);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(config.file() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the adapters into {@code model}, which must have been built with this adapter's
     * config ({@link #readConfig}).
     *
     * @return the base checksum the adapter records ({@link #baseChecksum}), or null
     * @throws IllegalArgumentException naming a missing, unexpected or misshapen tensor
     */
    public static String load(HfCausalModel model, Path directory) throws IOException {
        LoraAdapters adapters = requireAdapters(model);
        Path file = directory.resolve(WEIGHTS_FILE);
        SafeTensors.Contents contents = SafeTensors.read(file);
        Map<String, NamedTensor> byName = new LinkedHashMap<>();
        for (NamedTensor tensor : contents.tensors()) {
            byName.put(tensor.name(), tensor);
        }
        List<NamedTensor> ordered = new ArrayList<>();
        for (String name : adapters.named().keySet()) {
            NamedTensor tensor = byName.remove(name);
            if (tensor == null) {
                throw new IllegalArgumentException(file + ": no tensor '" + name + "' (the adapter does not cover a"
                        + " module its adapter_config.json targets)");
            }
            ordered.add(tensor);
        }
        if (!byName.isEmpty()) {
            throw new IllegalArgumentException(file + ": tensors for modules this model does not have: "
                    + byName.keySet().stream().limit(5).toList() + (byName.size() > 5 ? " and more" : ""));
        }
        ModelParameters.write(model, TensorSource.of(ordered), file.toString());
        return contents.metadata().get(BASE_CHECKSUM_KEY);
    }

    /**
     * Writes the model's adapters as a {@code peft} directory, atomically.
     *
     * @param baseModel {@code base_model_name_or_path}: the base's directory or hub name
     * @param baseChecksum the base's {@link BaseChecksum}, or null where it has none (a seeded base)
     */
    public static void save(HfCausalModel model, Path directory, String baseModel, String baseChecksum)
            throws IOException {
        LoraConfig lora = requireAdapters(model).config();
        JsonObject config = new JsonObject();
        config.addProperty("peft_type", "LORA");
        config.addProperty("task_type", "CAUSAL_LM");
        config.addProperty("base_model_name_or_path", baseModel);
        config.addProperty("r", lora.rank());
        config.addProperty("lora_alpha", lora.alpha());
        config.addProperty("lora_dropout", lora.dropout());
        JsonArray targets = new JsonArray();
        lora.targetModules().forEach(targets::add);
        config.add("target_modules", targets);
        config.addProperty("bias", "none");
        // GPT-2's Conv1D stores (in, out): peft transposes B·A for it when this is set.
        config.addProperty("fan_in_fan_out", model.decoderConfig().layout() == DecoderConfig.Layout.GPT2);
        config.addProperty("inference_mode", true);
        config.addProperty("init_lora_weights", true);
        config.add("modules_to_save", JsonNull.INSTANCE);
        config.addProperty("use_rslora", false);
        config.addProperty("use_dora", false);
        byte[] json = new GsonBuilder().setPrettyPrinting().create().toJson(config).getBytes(StandardCharsets.UTF_8);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        if (baseChecksum != null) {
            metadata.put(BASE_CHECKSUM_KEY, baseChecksum);
        }
        TensorSource tensors = ModelParameters.source(model);
        HfModelDirectoryWriter.replaceDirectory(directory, CONFIG_FILE, target -> {
            DurableFiles.writeSynced(target.resolve(CONFIG_FILE), out -> out.write(json));
            DurableFiles.writeChannelSynced(target.resolve(WEIGHTS_FILE), out -> SafeTensors.write(out, tensors, metadata));
        });
    }

    /** The base checksum an adapter directory records, or null where it records none (one made elsewhere). */
    public static String baseChecksum(Path directory) throws IOException {
        return SafeTensors.read(directory.resolve(WEIGHTS_FILE)).metadata().get(BASE_CHECKSUM_KEY);
    }

    private static LoraAdapters requireAdapters(HfCausalModel model) {
        LoraAdapters adapters = model.adapters();
        if (adapters == null) {
            throw new IllegalArgumentException("the model has no LoRA adapters (sppo4j.lora.rank is 0)");
        }
        return adapters;
    }
}
