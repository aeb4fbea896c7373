package io.sppo4j.model.judge.pairrm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.judge.PreferenceMatrices;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PairRM judge end to end: tokenizer.json in, the K×K preference matrix out. */
class PairRmJudgeTest {

    /** Ids of the synthetic tokenizer's pieces (RandomPairRm): specials, "▁", then each character and "▁"+character, then words. */
    private static final int CLS = 1;
    private static final int SEP = 2;
    private static final int HELLO = 97;
    private static final int WORLD = 98;
    private static final int THE = 99;
    private static final int ANSWER = 100;
    private static final int IS = 101;
    private static final int YES = 103;
    private static final int NO = 104;
    private static final int SOURCE = PairRmModelTest.PIECES + 1;

    @TempDir
    Path dir;

    private RandomPairRm.Shape shape;

    @BeforeEach
    void writeModel() throws IOException {
        shape = PairRmModelTest.Variant.PAIRRM_LIKE.shape;
        RandomPairRm.write(dir, shape, TensorDType.F32, 31);
    }

    @Test
    void theTokenizerLaysOutPairRmsInputAsLlmBlenderDoes() throws IOException {
        try (PairRmTokenizer tokenizer = PairRmTokenizer.load(dir)) {
            assertArrayEquals(new int[] {CLS, SOURCE, HELLO, WORLD, SEP},
                    tokenizer.encode(PairRmTokenizer.SOURCE_PREFIX, "hello world", 1224));
            assertArrayEquals(new int[] {CLS, SOURCE + 2, THE, ANSWER, IS, YES, SEP},
                    tokenizer.encode(PairRmTokenizer.CANDIDATE2_PREFIX, "the answer is yes", 412));
            // A forged separator inside a response becomes a space, as the collator replaces it.
            assertArrayEquals(new int[] {CLS, SOURCE + 1, YES, NO, SEP},
                    tokenizer.encode(PairRmTokenizer.CANDIDATE1_PREFIX, "yes[SEP]no", 412));
            // Cut from the right, keeping [CLS] and [SEP]: at most 5 tokens.
            assertArrayEquals(new int[] {CLS, SOURCE, HELLO, WORLD, SEP},
                    tokenizer.encode(PairRmTokenizer.SOURCE_PREFIX, "hello world the answer", 5));
        }
    }

    @Test
    void preferencesComeFromBothOrdersAsTheOfficialScriptsScore() throws IOException {
        NaiveDeberta naive = new NaiveDeberta(dir);
        List<String> responses = List.of("yes", "no", "the answer is yes");
        int[] source = {CLS, SOURCE, HELLO, WORLD, SEP};
        int[][] bodies = {{YES}, {NO}, {THE, ANSWER, IS, YES}};
        int k = responses.size();
        double[][] m = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                if (i != j) {
                    PairRmModel.Comparison c = PairRmJudge.layout(source, part(SOURCE + 1, bodies[i]), part(SOURCE + 2, bodies[j]));
                    m[i][j] = naive.logit(c.ids(), c.source(), c.candidate1(), c.candidate2());
                }
            }
        }
        double[] s = new double[k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                s[i] += (m[i][j] - m[j][i]) / k; // numpy's mean over all K columns, M_ii = 0
            }
        }
        try (PairRmJudge judge = PairRmJudge.load(PairRmSettings.of(dir, Device.cpu()).withBatchSize(4))) {
            double[][] actual = judge.comparisons("hello world", responses);
            double[][] p = judge.preferences("hello world", responses);
            PreferenceMatrices.validate(p, "pairrm");
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    assertEquals(m[i][j], actual[i][j], 1e-4, "M[" + i + "][" + j + "]");
                    assertEquals(1 / (1 + Math.exp(-(s[i] - s[j]))), p[i][j], 1e-4, "P[" + i + "][" + j + "]");
                }
            }
            assertTrue(Math.abs(m[0][1] + m[1][0]) > 1e-3, "PairRM's two orders differ, so averaging them matters");

            // One comparison per pass or all six at once: the same matrix.
            try (PairRmJudge single = PairRmJudge.load(PairRmSettings.of(dir, Device.cpu()).withBatchSize(1))) {
                double[][] again = single.preferences("hello world", responses);
                for (int i = 0; i < k; i++) {
                    assertArrayEquals(p[i], again[i], 1e-5);
                }
            }
            // Responses reordered: the matrix reordered.
            double[][] swapped = judge.preferences("hello world", List.of(responses.get(2), responses.get(0), responses.get(1)));
            assertEquals(p[2][0], swapped[0][1], 1e-5);
            assertEquals(p[1][2], swapped[2][0], 1e-5);
        }
    }

    @Test
    void aLongPromptLeavesLessRoomForEachResponseNeverMoreThan2048() throws IOException {
        String longPrompt = "hello world ".repeat(40); // 80 tokens
        try (PairRmTokenizer tokenizer = PairRmTokenizer.load(dir)) {
            int[] source = tokenizer.encode(PairRmTokenizer.SOURCE_PREFIX, longPrompt, 30);
            assertEquals(30, source.length);
            assertEquals(SEP, source[29]);
            assertEquals(HELLO, source[28]); // the 27th word kept after <|source|>
        }
        // 30 source tokens, 10 per candidate: a candidate gets 10 + (30 − 30)/2, a short prompt lends it half its slack.
        PairRmSettings tight = new PairRmSettings(dir, Device.cpu(), ai.djl.ndarray.types.DataType.FLOAT32, 4, 30, 10);
        try (PairRmJudge judge = PairRmJudge.load(tight)) {
            double[][] p = judge.preferences(longPrompt, List.of("yes ".repeat(50), "no ".repeat(50)));
            PreferenceMatrices.validate(p, "pairrm");
        }
    }

    @Test
    void repeatedGroupsKeepNativeMemoryFlat() throws IOException {
        try (PairRmJudge judge = PairRmJudge.load(PairRmSettings.of(dir, Device.cpu()).withBatchSize(7))) {
            List<String> responses = List.of("yes", "no", "the answer is yes", "hello", "world world");
            for (int i = 0; i < 10; i++) {
                judge.preferences("hello world " + i, responses);
            }
            int arrays = judge.managedArrays();
            long rss = residentBytes();
            for (int i = 0; i < 60; i++) {
                judge.preferences("hello world " + i, responses);
            }
            // Every per-call array is gone (a leak of one array per call would show here at once) ...
            assertEquals(arrays, judge.managedArrays(), "arrays held by the judge's manager after 60 more groups");
            // ... and resident memory stays within what the Java heap's own growth explains.
            long growth = residentBytes() - rss;
            assertTrue(growth < 64L << 20, "resident memory grew by " + (growth >> 20) + " MiB over 60 groups");
        }
    }

    @Test
    void errorsNameTheMissingTensorTheUnsupportedKeyAndTheMissingToken() throws IOException {
        rewriteTensors(tensors -> tensors.removeIf(tensor -> tensor.name().equals("head_layer.4.bias")));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, this::load);
        assertTrue(missing.getMessage().contains("needs tensor 'head_layer.4.bias'"), missing.getMessage());

        RandomPairRm.write(dir, shape, TensorDType.F32, 31);
        rewriteTensors(tensors -> tensors.add(new NamedTensor("pretrained_model.encoder.conv.conv.weight", TensorDType.F32,
                new long[] {1}, new byte[4])));
        IllegalArgumentException extra = assertThrows(IllegalArgumentException.class, this::load);
        assertTrue(extra.getMessage().contains("pretrained_model.encoder.conv.conv.weight"), extra.getMessage());

        for (Map.Entry<String, String> key : Map.of(
                "conv_kernel_size", "3", "hidden_act", "\"relu\"", "pos_att_type", "\"p2c|p2p\"",
                "position_biased_input", "true", "architectures", "[\"DebertaV2ForSequenceClassification\"]").entrySet()) {
            RandomPairRm.write(dir, shape, TensorDType.F32, 31);
            editConfig(config -> config.add(key.getKey(), JsonParser.parseString(key.getValue())));
            IllegalArgumentException unsupported = assertThrows(IllegalArgumentException.class, this::load, key.getKey());
            assertTrue(unsupported.getMessage().contains("config.json: " + key.getKey()), unsupported.getMessage());
        }

        RandomPairRm.write(dir, shape, TensorDType.F32, 31);
        Path tokenizer = dir.resolve("tokenizer.json");
        Files.writeString(tokenizer, Files.readString(tokenizer).replace("<|candidate2|>", "<|cand2|>"));
        IllegalArgumentException token = assertThrows(IllegalArgumentException.class, this::load);
        assertTrue(token.getMessage().contains("'<|candidate2|>' encodes to") && token.getMessage().contains("cand2_prefix_id"),
                token.getMessage());
    }

    private void load() {
        PairRmJudge.load(PairRmSettings.of(dir, Device.cpu())).close();
    }

    private void rewriteTensors(Consumer<List<NamedTensor>> edit) throws IOException {
        Path file = dir.resolve("model.safetensors");
        List<NamedTensor> tensors = new ArrayList<>(SafeTensors.read(file).tensors());
        edit.accept(tensors);
        SafeTensors.write(file, tensors, Map.of("format", "pt"));
    }

    private void editConfig(Consumer<JsonObject> edit) throws IOException {
        Path file = dir.resolve("config.json");
        JsonObject config = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        edit.accept(config);
        Files.writeString(file, config.toString());
    }

    private static int[] part(int prefix, int[] body) {
        int[] ids = new int[body.length + 3];
        ids[0] = CLS;
        ids[1] = prefix;
        System.arraycopy(body, 0, ids, 2, body.length);
        ids[ids.length - 1] = SEP;
        return ids;
    }

    /** Resident set size from /proc (Linux): native allocations included, unlike the Java heap. */
    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
