package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import io.sppo4j.model.hf.TinyHfModels.Kind;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a model directory says besides its weights. */
class HfModelDirectoryTest {

    @TempDir
    Path temp;

    @Test
    void shardsAreListedInFileOrderWithTheirTensorsInDataOrder() throws IOException {
        TinyHfModels.Fixture fixture = TinyHfModels.write(temp.resolve("m"), Kind.MISTRAL, TensorDType.BF16, 3, 61);
        HfModelDirectory checkpoint = HfModelDirectory.read(fixture.directory());
        assertEquals(HfArchitecture.MISTRAL_CAUSAL_LM, checkpoint.architecture());
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors"), checkpoint.shards().stream().map(HfModelDirectory.Shard::fileName).toList());
        List<String> inOrder = checkpoint.shards().stream().flatMap(shard -> shard.tensorNames().stream()).toList();
        assertEquals(List.copyOf(fixture.shapes().keySet()), inOrder);
        assertEquals(TensorDType.BF16, checkpoint.dtypes().get("model.norm.weight"));
        assertEquals(List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                "model.safetensors.index.json"), List.copyOf(checkpoint.companions().keySet()));
    }

    @Test
    void theShapeComesFromTheConfigAloneAndAgreesWithTheLoadedModel() throws IOException {
        for (Kind kind : List.of(Kind.LLAMA, Kind.GPT2)) {
            Path directory = temp.resolve("shape-" + kind);
            TinyHfModels.write(directory, kind, TensorDType.F32, 1, 63);
            PolicyConfig fromConfig = HfModels.shape(directory);
            assertEquals(new PolicyConfig(TinyHfModels.VOCAB, TinyHfModels.HIDDEN, TinyHfModels.LAYERS,
                    TinyHfModels.HEADS, TinyHfModels.CONTEXT, 0f), fromConfig, kind.toString());
            try (HfCausalModel model = HfModels.loadCausal(directory, Device.cpu())) {
                assertEquals(model.shape(), fromConfig, kind.toString());
            }
        }
    }

    @Test
    void specialTokensComeFromTheGenerationConfigFirstThenTheConfig() throws IOException {
        Path directory = temp.resolve("r");
        TinyHfModels.write(directory, Kind.LLAMA_REWARD, TensorDType.F32, 1, 62); // config.json: pad 0
        HfModelDirectory checkpoint = HfModelDirectory.read(directory);
        assertEquals(List.of(2), checkpoint.eosTokenIds());
        assertEquals(OptionalInt.of(1), checkpoint.bosTokenId());
        assertEquals(OptionalInt.of(0), checkpoint.padTokenId());

        Files.writeString(directory.resolve("generation_config.json"), "{\"eos_token_id\": [2, 7], \"pad_token_id\": 5}");
        checkpoint = HfModelDirectory.read(directory);
        assertEquals(List.of(2, 7), checkpoint.eosTokenIds());
        assertEquals(OptionalInt.of(5), checkpoint.padTokenId());
        assertEquals(OptionalInt.empty(), checkpoint.bosTokenId());
    }
}
