package io.sppo4j.model.hf;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.model.decoder.LoraConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * How a causal model gets its LoRA adapters: none, new ones ({@code config}), or a {@code peft}
 * directory to start from ({@code adapter}, whose own config then gives rank, alpha and targets).
 */
public record LoraSetup(LoraConfig config, Path adapter) {

    public static final LoraSetup NONE = new LoraSetup(LoraConfig.OFF, null);

    public static LoraSetup fresh(LoraConfig config) {
        return new LoraSetup(config, null);
    }

    /** Adapters read from {@code directory}; its config decides their shape, {@code settings} only the merge choice and seed. */
    public static LoraSetup from(Path directory, LoraConfig settings) throws IOException {
        return new LoraSetup(PeftAdapter.readConfig(directory, settings.seed(), settings.mergeForDecoding()), directory);
    }

    /** A {@code peft} adapter to run, not train ({@code --adapter}): merged into the weights, which decodes fastest. */
    public static LoraSetup inference(Path directory) throws IOException {
        return new LoraSetup(PeftAdapter.readConfig(directory, 0, true), directory);
    }

    /**
     * {@code sppo4j.lora} and {@code sppo4j.policy.adapter}: an adapter directory, when given,
     * decides rank, alpha and targets itself (and turns LoRA on); otherwise rank 0 is none.
     */
    public static LoraSetup from(Config config) {
        ConfigReader lora = new ConfigReader(config, "sppo4j.lora");
        int rank = lora.nonNegativeInt("rank");
        LoraConfig settings = lora.build(() -> new LoraConfig(rank, lora.getDouble("alpha"),
                lora.floatIn("dropout", 0, 0.999), config.getStringList("sppo4j.lora.target-modules"),
                config.getLong("sppo4j.seed"), lora.getBoolean("merge-for-sampling")));
        String adapter = config.getString("sppo4j.policy.adapter");
        if (adapter.isBlank()) {
            return rank == 0 ? NONE : fresh(settings);
        }
        try {
            return from(Path.of(adapter), settings);
        } catch (IOException e) {
            throw new UncheckedIOException("sppo4j.policy.adapter: cannot read " + adapter + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("sppo4j.policy.adapter: " + e.getMessage(), e);
        }
    }

    public boolean enabled() {
        return config.enabled();
    }
}
