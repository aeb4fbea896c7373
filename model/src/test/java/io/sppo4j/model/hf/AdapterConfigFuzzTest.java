package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.model.checkpoint.DurableFiles;
import io.sppo4j.model.fuzz.Fuzzing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A peft {@code adapter_config.json} under generated and mutated input, read as {@code --adapter}
 * and {@code sppo4j.policy.adapter} read it ({@link PeftAdapter#readConfig}). A bad file is an
 * {@link IllegalArgumentException} naming it, never another exception.
 */
class AdapterConfigFuzzTest {

    private static Path directory;

    /** What peft writes for Llama and GPT-2 adapters, and what sppo4j writes. */
    private static final List<String> SEEDS = List.of(
            "{\"peft_type\": \"LORA\", \"task_type\": \"CAUSAL_LM\", \"r\": 8, \"lora_alpha\": 16, \"lora_dropout\": 0.05,"
                    + " \"target_modules\": [\"q_proj\", \"k_proj\", \"v_proj\", \"o_proj\", \"gate_proj\", \"up_proj\", \"down_proj\"],"
                    + " \"bias\": \"none\", \"base_model_name_or_path\": \"HuggingFaceTB/SmolLM2-135M\", \"fan_in_fan_out\": false,"
                    + " \"inference_mode\": true, \"use_dora\": false, \"use_rslora\": false, \"modules_to_save\": null,"
                    + " \"layers_to_transform\": null, \"rank_pattern\": {}, \"alpha_pattern\": {}}",
            "{\"peft_type\": \"LORA\", \"task_type\": \"CAUSAL_LM\", \"r\": 4, \"lora_alpha\": 32,"
                    + " \"target_modules\": [\"c_attn\", \"c_proj\", \"c_fc\"], \"fan_in_fan_out\": true, \"bias\": \"none\"}",
            "{\"peft_type\": \"LORA\", \"r\": 16, \"target_modules\": [\"q_proj\", \"v_proj\"]}");

    @BeforeContainer
    static void makeDirectory() throws IOException {
        directory = Files.createTempDirectory("adapter-config-fuzz");
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        DurableFiles.deleteRecursively(directory);
    }

    @Property(tries = 4_000)
    void aBadAdapterConfigIsRefusedNamingTheFile(@ForAll("configs") String config) throws IOException {
        Files.writeString(directory.resolve(PeftAdapter.CONFIG_FILE), config, StandardCharsets.UTF_8);
        Fuzzing.Outcome outcome = Fuzzing.decodes(PeftAdapter.CONFIG_FILE, Fuzzing.allocationBound(config.length()),
                () -> PeftAdapter.readConfig(directory, 1, true), IllegalArgumentException.class);
        if (outcome.refused()) {
            assertTrue(outcome.refusal().getMessage().contains(PeftAdapter.CONFIG_FILE), outcome.refusal().getMessage());
        }
    }

    @Provide
    Arbitrary<String> configs() {
        return Fuzzing.textAround(SEEDS, 4096);
    }
}
