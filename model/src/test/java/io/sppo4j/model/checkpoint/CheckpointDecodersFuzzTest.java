package io.sppo4j.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.fuzz.Fuzzing;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorSource;
import io.sppo4j.model.weights.TensorDType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The checkpoint decoders under generated and mutated input ({@link Fuzzing}): the safetensors
 * header, a whole safetensors file, and {@code meta.json}. Each refuses bad input with a
 * {@link CorruptCheckpointException} naming the file, never anything else, and never allocates
 * what a length it read claims before checking it against the file.
 */
class CheckpointDecodersFuzzTest {

    private static final Path FILE = Path.of("fuzzed/model.safetensors");
    private static List<byte[]> headers;
    private static List<byte[]> files;
    private static List<byte[]> metas;
    private static Path scratch;

    @BeforeContainer
    static void seeds() throws IOException {
        scratch = Files.createTempDirectory("checkpoint-fuzz");
        List<List<NamedTensor>> tensorSets = List.of(
                List.of(tensor("w", TensorDType.F32, 2, 3), tensor("b", TensorDType.F32, 3)),
                List.of(tensor("embed.weight", TensorDType.BF16, 4, 2), tensor("norm", TensorDType.F16, 2),
                        tensor("scalar", TensorDType.F32)),
                List.of());
        headers = new ArrayList<>();
        files = new ArrayList<>();
        for (List<NamedTensor> tensors : tensorSets) {
            headers.add(SafeTensorsHeader.encode(tensors.stream().map(NamedTensor::spec).toList(), Map.of("format", "pt")));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SafeTensors.write(java.nio.channels.Channels.newChannel(out), TensorSource.of(tensors), Map.of("format", "pt"));
            files.add(out.toByteArray());
        }
        // A real meta.json, as the checkpoint store writes it for a policy with optimiser state.
        try (NDManager manager = NDManager.newBaseManager(); HfCausalModel policy = TestPolicies.tiny(manager, 3)) {
            CheckpointStore store = new CheckpointStore(scratch.resolve("store"), 1);
            Path saved = store.save(CheckpointFixtures.checkpoint(policy, 4, Map.of("task", "sort", "prompts_issued", "12")));
            metas = List.of(Files.readAllBytes(saved.resolve(CheckpointStore.META_FILE)),
                    "{\"step\":1}".getBytes(StandardCharsets.UTF_8));
        }
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        DurableFiles.deleteRecursively(scratch);
    }

    @Property(tries = 15_000)
    void theSafetensorsHeaderRefusesBadBytesByName(@ForAll("headerBytes") byte[] input) {
        Fuzzing.Outcome outcome = Fuzzing.decodes("safetensors header", Fuzzing.allocationBound(input.length),
                () -> SafeTensorsHeader.parse(input, FILE), CorruptCheckpointException.class);
        if (outcome.refused()) {
            assertTrue(outcome.refusal().getMessage().contains(FILE.toString()), outcome.refusal().getMessage());
        }
    }

    @Property(tries = 4_000)
    void aSafetensorsFileIsReadOnlyAsFarAsItsLengthsHold(@ForAll("fileBytes") byte[] input) throws IOException {
        Path file = scratch.resolve("fuzzed.safetensors");
        Files.write(file, input);
        Fuzzing.decodes("safetensors file", Fuzzing.allocationBound(input.length), () -> SafeTensors.read(file),
                CorruptCheckpointException.class);
    }

    @Property(tries = 10_000)
    void metaJsonRefusesBadBytesByName(@ForAll("metaBytes") byte[] input) {
        Path metaFile = Path.of("fuzzed/meta.json");
        Fuzzing.Outcome outcome = Fuzzing.decodes("meta.json", Fuzzing.allocationBound(input.length),
                () -> CheckpointMeta.parse(input, metaFile), CorruptCheckpointException.class);
        if (outcome.refused()) {
            assertTrue(outcome.refusal().getMessage().contains("meta.json"), outcome.refusal().getMessage());
        }
    }

    /** An 8-byte header length of ~2 GB in a 64-byte file: refused before anything of that size is allocated. */
    @Example
    void aHeaderLengthOfTwoGigabytesAllocatesNothingOfThatSize() throws IOException {
        byte[] input = new byte[64];
        ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN).putLong(0x7FFF_FFF0L);
        Path file = scratch.resolve("huge-header.safetensors");
        Files.write(file, input);
        Fuzzing.Outcome outcome = Fuzzing.decodes("2 GB header length", Fuzzing.allocationBound(64), () -> SafeTensors.read(file),
                CorruptCheckpointException.class);
        assertTrue(outcome.refused());
    }

    /** A header whose one tensor claims ~2 GB of data, in a small file: refused before its array is allocated. */
    @Example
    void aTensorClaimingTwoGigabytesAllocatesNothingOfThatSize() throws IOException {
        long claimed = 0x7FFF_FFF0L; // divisible by 4: a plausible F32 tensor
        byte[] header = ("{\"huge\":{\"dtype\":\"F32\",\"shape\":[" + claimed / 4 + "],\"data_offsets\":[0," + claimed + "]}}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer input = ByteBuffer.allocate(8 + header.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        input.putLong(header.length).put(header);
        Path file = scratch.resolve("huge-tensor.safetensors");
        Files.write(file, input.array());
        Fuzzing.Outcome outcome = Fuzzing.decodes("2 GB tensor", Fuzzing.allocationBound(64), () -> SafeTensors.read(file),
                CorruptCheckpointException.class);
        assertTrue(outcome.refused() && outcome.refusal().getMessage().contains("truncated"), String.valueOf(outcome.refusal()));
    }

    @Provide
    Arbitrary<byte[]> headerBytes() {
        return Fuzzing.bytesAround(headers, 2048);
    }

    @Provide
    Arbitrary<byte[]> fileBytes() {
        return Fuzzing.bytesAround(files, 4096);
    }

    @Provide
    Arbitrary<byte[]> metaBytes() {
        return Fuzzing.bytesAround(metas, 1 << 16);
    }

    private static NamedTensor tensor(String name, TensorDType dtype, long... shape) {
        long count = 1;
        for (long dim : shape) {
            count *= dim;
        }
        byte[] data = new byte[(int) (count * dtype.bytes())];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + name.length());
        }
        return new NamedTensor(name, dtype, shape, data);
    }
}
