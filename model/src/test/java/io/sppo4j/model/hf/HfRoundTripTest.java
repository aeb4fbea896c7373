package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.hf.TinyHfModels.Kind;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Load → save reproduces every file: tensors bit for bit in their dtype and order, companions byte for byte. */
class HfRoundTripTest {

    @TempDir
    Path temp;

    static Stream<Arguments> layouts() {
        return Stream.of(
                Arguments.of(Kind.LLAMA, TensorDType.F32, 1),
                Arguments.of(Kind.LLAMA, TensorDType.BF16, 3),
                Arguments.of(Kind.QWEN2, TensorDType.BF16, 1),
                Arguments.of(Kind.QWEN2, TensorDType.F32, 2),
                Arguments.of(Kind.MISTRAL, TensorDType.BF16, 2),
                Arguments.of(Kind.MISTRAL, TensorDType.F16, 1),
                Arguments.of(Kind.GPT2, TensorDType.F32, 1),
                Arguments.of(Kind.GPT2, TensorDType.BF16, 2),
                Arguments.of(Kind.LLAMA_REWARD, TensorDType.BF16, 1),
                Arguments.of(Kind.GPT2_REWARD, TensorDType.F32, 2));
    }

    @ParameterizedTest(name = "{0} {1} in {2} file(s)")
    @MethodSource("layouts")
    void savingALoadedModelReproducesEveryFile(Kind kind, TensorDType dtype, int shards) throws IOException {
        Path source = temp.resolve("source");
        TinyHfModels.write(source, kind, dtype, shards, 21);
        Path target = temp.resolve("saved");
        if (kind == Kind.LLAMA_REWARD || kind == Kind.GPT2_REWARD) {
            try (HfRewardModel model = HfModels.loadReward(source, Device.cpu())) {
                HfModels.save(model, target);
            }
        } else {
            try (HfCausalModel model = HfModels.loadCausal(source, Device.cpu())) {
                HfModels.savePolicy(model, target);
            }
        }
        assertEquals(fileNames(source), fileNames(target));
        for (String file : fileNames(source)) {
            if (file.endsWith(".safetensors")) {
                SafeTensors.Contents expected = SafeTensors.read(source.resolve(file));
                SafeTensors.Contents actual = SafeTensors.read(target.resolve(file));
                assertEquals(expected.tensors(), actual.tensors(), file); // names, order, dtypes, shapes, bytes
                assertEquals(expected.metadata(), actual.metadata(), file);
            } else {
                assertArrayEquals(Files.readAllBytes(source.resolve(file)), Files.readAllBytes(target.resolve(file)), file);
            }
        }
        assertEquals(Set.of("saved", "source"), fileNames(temp), "no temporary directory is left behind");
    }

    @Test
    void trainedWeightsAreSavedInTheLoadedDtypeAndReloadAsSaved() throws IOException {
        Path source = temp.resolve("source");
        TinyHfModels.write(source, Kind.LLAMA, TensorDType.BF16, 2, 22);
        String name = "model.layers.1.mlp.up_proj.weight";
        Path target = temp.resolve("trained");
        float[] changed;
        try (HfCausalModel model = HfModels.loadCausal(source, Device.cpu())) {
            try (Autograd.Scope paused = Autograd.paused()) {
                NDArray weight = model.namedParameters().get(name).getArray();
                weight.addi(0.25f);
                changed = weight.toFloatArray();
            }
            HfModels.save(model, target);
        }
        NamedTensor saved = tensor(target, name);
        assertEquals(TensorDType.BF16, saved.dtype());
        float[] reloaded = saved.toFloats();
        float[] original = tensor(source, name).toFloats();
        for (int i = 0; i < changed.length; i++) {
            assertEquals(changed[i], reloaded[i], Math.abs(changed[i]) * 0x1p-8, "element " + i); // bf16 rounding
            assertNotEquals(original[i], reloaded[i]);
        }
        try (HfCausalModel model = HfModels.loadCausal(target, Device.cpu())) {
            assertArrayEquals(reloaded, model.namedParameters().get(name).getArray().toFloatArray());
        }
    }

    @Test
    void savingOverTheSourceReplacesItAndAFailedSaveLeavesThePreviousOneIntact() throws IOException {
        Path directory = temp.resolve("model");
        TinyHfModels.write(directory, Kind.GPT2, TensorDType.F32, 1, 23);
        byte[] before = Files.readAllBytes(directory.resolve("model.safetensors"));
        try (HfCausalModel model = HfModels.loadCausal(directory, Device.cpu())) {
            HfModels.save(model, directory);
            assertArrayEquals(before, Files.readAllBytes(directory.resolve("model.safetensors")));

            model.namedParameters().get("h.1.mlp.c_fc.weight").getArray().close(); // the save will fail midway
            assertThrows(IllegalStateException.class, () -> HfModels.save(model, directory));
        }
        assertArrayEquals(before, Files.readAllBytes(directory.resolve("model.safetensors")));
        assertEquals(Set.of("model"), fileNames(temp), "the failed save's temporary directory is removed");
    }

    @Test
    void aSaveNeverReplacesADirectoryThatIsNotAModel() throws IOException {
        Path source = temp.resolve("source");
        TinyHfModels.write(source, Kind.QWEN2, TensorDType.F32, 1, 24);
        Path precious = Files.createDirectories(temp.resolve("precious"));
        Files.writeString(precious.resolve("notes.txt"), "keep me");
        try (HfCausalModel model = HfModels.loadCausal(source, Device.cpu())) {
            FileAlreadyExistsException refused = assertThrows(FileAlreadyExistsException.class,
                    () -> HfModels.save(model, precious));
            assertTrue(refused.getMessage().contains("precious"), refused.getMessage());
        }
        assertEquals("keep me", Files.readString(precious.resolve("notes.txt")));
        assertFalse(Files.exists(precious.resolve("config.json")));
    }

    private static NamedTensor tensor(Path directory, String name) throws IOException {
        for (String file : fileNames(directory)) {
            if (file.endsWith(".safetensors")) {
                for (NamedTensor tensor : SafeTensors.read(directory.resolve(file)).tensors()) {
                    if (tensor.name().equals(name)) {
                        return tensor;
                    }
                }
            }
        }
        throw new AssertionError(name + " not in " + directory);
    }

    private static Set<String> fileNames(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(path -> path.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
