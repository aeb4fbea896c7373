package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.hf.TinyHfModels.Kind;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

/** What cannot be loaded fails with a message naming the thing and the file. */
class HfLoadErrorsTest {

    @TempDir
    Path temp;

    @Test
    void aMissingTensorIsNamedWithTheFilesSearched() throws IOException {
        Path directory = temp.resolve("m");
        TinyHfModels.write(directory, Kind.LLAMA, TensorDType.F32, 1, 41);
        String missing = "model.layers.1.mlp.down_proj.weight";
        Path weights = directory.resolve("model.safetensors");
        List<NamedTensor> kept = SafeTensors.read(weights).tensors().stream()
                .filter(tensor -> !tensor.name().equals(missing)).toList();
        SafeTensors.write(weights, kept, Map.of("format", "pt"));
        assertMessage(IllegalArgumentException.class, () -> HfModels.loadCausal(directory, Device.cpu()),
                "'" + missing + "'", "model.safetensors", "LlamaForCausalLM");
    }

    @Test
    void anUntiedModelWithoutLmHeadIsRefused() throws IOException {
        Path directory = temp.resolve("m");
        TinyHfModels.write(directory, Kind.MISTRAL, TensorDType.BF16, 1, 42, config -> config.addProperty("tie_word_embeddings", true));
        rewriteConfig(directory, config -> config.addProperty("tie_word_embeddings", false));
        assertMessage(IllegalArgumentException.class, () -> HfModels.loadCausal(directory, Device.cpu()), "'lm_head.weight'");
    }

    @Test
    void anUnsupportedArchitectureIsNamedWithTheSupportedOnes() throws IOException {
        Path directory = temp.resolve("m");
        TinyHfModels.write(directory, Kind.LLAMA, TensorDType.F32, 1, 43);
        rewriteConfig(directory, config -> {
            JsonArray architectures = new JsonArray();
            architectures.add("FalconForCausalLM");
            config.add("architectures", architectures);
        });
        assertMessage(IllegalArgumentException.class, () -> HfModels.loadCausal(directory, Device.cpu()),
                "'FalconForCausalLM'", "config.json", "Qwen2ForCausalLM");
    }

    @Test
    void anUnsupportedRopeScalingTypeIsNamed() throws IOException {
        Path directory = temp.resolve("m");
        TinyHfModels.write(directory, Kind.LLAMA, TensorDType.F32, 1, 44);
        rewriteConfig(directory, config -> {
            JsonObject scaling = new JsonObject();
            scaling.addProperty("rope_type", "yarn");
            scaling.addProperty("factor", 4.0);
            config.add("rope_scaling", scaling);
        });
        assertMessage(IllegalArgumentException.class, () -> HfModels.loadCausal(directory, Device.cpu()),
                "'yarn'", "rope_scaling.rope_type", "config.json");
    }

    @Test
    void headsThatDoNotDivideTheWidthAreRefusedUnlessHeadDimIsGiven() throws IOException {
        Path directory = temp.resolve("m");
        TinyHfModels.write(directory, Kind.LLAMA, TensorDType.F32, 1, 46);
        rewriteConfig(directory, config -> config.addProperty("hidden_size", 33));
        assertMessage(IllegalArgumentException.class, () -> HfModels.shape(directory),
                "config.json", "num_attention_heads", "hidden_size 33");
        rewriteConfig(directory, config -> config.addProperty("head_dim", 8));
        assertMessage(IllegalArgumentException.class, () -> HfModels.shape(directory), "config.json", "33");
    }

    @Test
    void aShapeThatContradictsTheConfigIsNamed() throws IOException {
        Path directory = temp.resolve("m");
        TinyHfModels.write(directory, Kind.QWEN2, TensorDType.F32, 1, 45);
        rewriteConfig(directory, config -> config.addProperty("num_key_value_heads", 4));
        assertMessage(IllegalArgumentException.class, () -> HfModels.loadCausal(directory, Device.cpu()),
                "'model.layers.0.self_attn.k_proj.weight'", "[16, 32]", "[32, 32]");
    }

    @Test
    void aRewardModelNeedsExactlyOneLabelAndTheRightLoader() throws IOException {
        Path reward = temp.resolve("reward");
        TinyHfModels.write(reward, Kind.LLAMA_REWARD, TensorDType.F32, 1, 46);
        assertMessage(IllegalArgumentException.class, () -> HfModels.loadCausal(reward, Device.cpu()),
                "LlamaForSequenceClassification", "loadReward");
        rewriteConfig(reward, config -> config.remove("id2label"));
        assertMessage(IllegalArgumentException.class, () -> HfModels.loadReward(reward, Device.cpu()),
                "id2label", "exactly one label");
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        Path directory = temp.resolve("m");
        TinyHfModels.write(directory, Kind.GPT2, TensorDType.F32, 2, 47);
        Files.delete(directory.resolve("model-00002-of-00002.safetensors"));
        assertMessage(IOException.class, () -> HfModels.loadCausal(directory, Device.cpu()),
                "model-00002-of-00002.safetensors");
        Files.delete(directory.resolve("config.json"));
        assertMessage(IOException.class, () -> HfModels.loadCausal(directory, Device.cpu()), "config.json");
    }

    private static void assertMessage(Class<? extends Exception> type, Executable load, String... parts) {
        Exception error = assertThrows(type, load);
        String message = String.valueOf(error.getMessage());
        for (String part : parts) {
            assertTrue(message.contains(part), "expected '" + part + "' in: " + message);
        }
    }

    private static void rewriteConfig(Path directory, Consumer<JsonObject> edit) throws IOException {
        Path file = directory.resolve("config.json");
        JsonObject config = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        edit.accept(config);
        Files.writeString(file, config.toString());
    }
}
