package io.sppo4j.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorSource;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir
    Path dir;

    @Test
    void writesTheExactByteLayout() throws IOException {
        Path file = dir.resolve("exact.safetensors");
        NamedTensor a = new NamedTensor("a", TensorDType.F32, new long[] {2}, le(4, 2).putFloat(1f).putFloat(-2f).array());
        NamedTensor b = new NamedTensor("b", TensorDType.I64, new long[] {1, 1}, le(8, 1).putLong(7).array());
        SafeTensors.write(file, List.of(a, b), Map.of("format", "pt"));

        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"I64\",\"shape\":[1,1],\"data_offsets\":[8,16]}}";
        long padded = (json.length() + 7) / 8 * 8;
        assertEquals(padded, headerLength, "header length, padded to a multiple of 8");
        assertEquals(json + " ".repeat((int) (padded - json.length())),
                new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        byte[] data = Arrays.copyOfRange(bytes, 8 + (int) headerLength, bytes.length);
        assertArrayEquals(concat(a.data(), b.data()), data, "data section: tensors back to back");
        assertEquals(0x3F800000, ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getInt(), "little-endian 1.0f");
    }

    @Test
    void policyWeightsParseIndependently() throws IOException {
        WeightSnapshot snapshot;
        try (NDManager manager = NDManager.newBaseManager(); HfCausalModel policy = TestPolicies.tiny(manager, 3)) {
            snapshot = WeightSnapshot.export(policy, 0, TensorEncoding.FP32);
        }
        // The tensors are views of the snapshot's native memory: it stays open (reachable) while they are read,
        // or its cleaner may free them under the test after a collection.
        try (snapshot) {
            policyWeightsParseIndependently(snapshot.tensors());
        }
    }

    private void policyWeightsParseIndependently(List<NamedTensor> tensors) throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, tensors, Map.of("format", "pt"));

        // Decoded with plain JSON and byte arithmetic only, as another implementation would.
        byte[] bytes = Files.readAllBytes(file);
        int headerLength = (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject header = JsonParser.parseString(new String(bytes, 8, headerLength, StandardCharsets.UTF_8)).getAsJsonObject();
        List<String> keys = new ArrayList<>(header.keySet());
        assertEquals("__metadata__", keys.get(0));
        assertEquals(tensors.stream().map(NamedTensor::name).toList(), keys.subList(1, keys.size()));
        long end = 0;
        for (NamedTensor tensor : tensors) {
            JsonObject entry = header.getAsJsonObject(tensor.name());
            assertEquals("F32", entry.get("dtype").getAsString());
            JsonArray shape = entry.getAsJsonArray("shape");
            assertArrayEquals(tensor.shape(), shape.asList().stream().mapToLong(e -> e.getAsLong()).toArray());
            JsonArray offsets = entry.getAsJsonArray("data_offsets");
            long begin = offsets.get(0).getAsLong();
            assertEquals(end, begin, tensor.name() + " starts where the previous ended");
            end = offsets.get(1).getAsLong();
            int start = 8 + headerLength + (int) begin;
            assertArrayEquals(tensor.data(), Arrays.copyOfRange(bytes, start, 8 + headerLength + (int) end), tensor.name());
        }
        assertEquals(8 + headerLength + end, bytes.length);

        assertEquals(tensors, SafeTensors.read(file).tensors());
    }

    @Test
    void readsAForeignLayoutInDataOrder() throws IOException {
        // Keys out of data order, metadata last, whitespace: all legal, as other writers produce.
        String header = "{ \"second\": {\"data_offsets\": [4, 8], \"shape\": [2], \"dtype\": \"BF16\"},\n"
                + "  \"first\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [0, 4]},\n"
                + "  \"empty\": {\"dtype\": \"F16\", \"shape\": [0, 3], \"data_offsets\": [8, 8]},\n"
                + "  \"__metadata__\": {\"note\": \"ünïcode\"} }";
        byte[] data = le(8, 1).putFloat(0.5f).putShort((short) 0x3F80).putShort((short) 0xC000).array();
        Path file = writeRaw("foreign.safetensors", header, data);

        SafeTensors.Contents contents = SafeTensors.read(file);
        assertEquals(List.of("first", "second", "empty"), contents.tensors().stream().map(NamedTensor::name).toList());
        assertArrayEquals(new float[] {0.5f}, contents.tensors().get(0).toFloats());
        assertArrayEquals(new float[] {1f, -2f}, contents.tensors().get(1).toFloats());
        assertArrayEquals(new long[] {0, 3}, contents.tensors().get(2).shape());
        assertEquals(Map.of("note", "ünïcode"), contents.metadata());
    }

    @Test
    void everyDtypeAndOddShapesRoundTrip() throws IOException {
        List<NamedTensor> tensors = List.of(
                new NamedTensor("scalar", TensorDType.F32, new long[] {}, le(4, 1).putFloat(Float.NaN).array()),
                new NamedTensor("bf16", TensorDType.BF16, new long[] {3}, new byte[] {1, 2, 3, 4, 5, 6}),
                new NamedTensor("f16", TensorDType.F16, new long[] {1, 2}, new byte[] {9, 8, 7, 6}),
                new NamedTensor("empty", TensorDType.F32, new long[] {4, 0}, new byte[0]),
                new NamedTensor("ids \"quoted\" \u00e9", TensorDType.I64, new long[] {2}, le(8, 2).putLong(-1).putLong(1L << 40).array()));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("<html> & = '", "line\nbreak");
        Path file = dir.resolve("all.safetensors");
        SafeTensors.write(file, tensors, metadata);
        assertEquals(0, (Files.size(file) - 8 - tensors.stream().mapToLong(t -> t.data().length).sum()) % 8);

        SafeTensors.Contents contents = SafeTensors.read(file);
        assertEquals(tensors, contents.tensors());
        assertEquals(metadata, contents.metadata());
    }

    @Test
    void writingRefusesDuplicateAndReservedNames() {
        NamedTensor t = new NamedTensor("x", TensorDType.F32, new long[] {1}, new byte[4]);
        NamedTensor reserved = new NamedTensor("__metadata__", TensorDType.F32, new long[] {1}, new byte[4]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WritableByteChannel channel = Channels.newChannel(out);
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(channel, TensorSource.of(List.of(t, t)), Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(channel, TensorSource.of(List.of(reserved)), Map.of()));
        assertEquals(0, out.size(), "nothing written before the check");
    }

    @Test
    void truncatedDataIsRejectedWithBothByteCounts() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, List.of(new NamedTensor("w", TensorDType.F32, new long[] {100}, new byte[400])), Map.of());
        long size = Files.size(file);
        truncate(file, size - 1);
        String message = rejection(file);
        assertTrue(message.startsWith(file + ": truncated: header says data ends at byte " + size
                + " but the file has " + (size - 1) + " bytes"), message);
    }

    @Test
    void truncatedHeadersAreRejected() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[] {1, 0, 0});
        assertTrue(rejection(file).contains("truncated: the file has 3 bytes"));

        Files.write(file, concat(le(8, 1).putLong(64).array(), "{}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(rejection(file).contains("truncated: header length says the header ends at byte 72 but the file has 10 bytes"));

        Files.write(file, le(8, 1).putLong(1L << 40).array());
        assertTrue(rejection(file).contains("exceeds the limit"));
    }

    @Test
    void malformedHeadersAreRejectedNamingTheProblem() throws IOException {
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]", 8, "not valid JSON");
        assertRejected("[1, 2]", 0, "should be a JSON object");
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}} x", 8, "not valid JSON");
        assertRejected("{\"w\": {\"dtype\": \"F64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 8, "unsupported dtype 'F64'");
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8,
                "data_offsets [0, 8] hold 8 bytes but F32 [3] needs 12");
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [2.0], \"data_offsets\": [0, 8]}}", 8, "not an integer");
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", 8, "negative");
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [2]}}", 8, "lacks dtype, shape or data_offsets");
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", 8, "begin <= end");
        assertRejected("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12, "overlaps tensor 'a'");
        assertRejected("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]}}", 12, "bytes [4, 8) of the data section belong to no tensor");
        assertRejected("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                + " \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8, "names 'a' twice");
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 12, "8 bytes follow the last tensor");
        assertRejected("{\"__metadata__\": {\"n\": 1}}", 0, "should be a string");
    }

    @Test
    void aMissingFileIsReportedAsSuch() {
        Path file = dir.resolve("absent.safetensors");
        assertTrue(rejection(file).equals(file + ": missing"), rejection(file));
    }

    private void assertRejected(String header, int dataBytes, String expected) throws IOException {
        Path file = writeRaw("bad.safetensors", header, new byte[dataBytes]);
        String message = rejection(file);
        assertTrue(message.startsWith(file + ": ") && message.contains(expected), "'" + expected + "' in: " + message);
    }

    private static String rejection(Path file) {
        CorruptCheckpointException error = assertThrows(CorruptCheckpointException.class, () -> SafeTensors.read(file));
        assertEquals(file, error.file());
        return error.getMessage();
    }

    private Path writeRaw(String name, String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve(name);
        Files.write(file, concat(concat(le(8, 1).putLong(json.length).array(), json), data));
        return file;
    }

    private static void truncate(Path file, long size) throws IOException {
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(size);
        }
    }

    private static ByteBuffer le(int bytesPerElement, int elements) {
        return ByteBuffer.allocate(bytesPerElement * elements).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }
}
