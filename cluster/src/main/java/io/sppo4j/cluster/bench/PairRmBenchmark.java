package io.sppo4j.cluster.bench;

import ai.djl.ndarray.types.DataType;
import io.sppo4j.model.judge.PreferenceMatrices;
import io.sppo4j.model.memory.AvailableMemory;
import io.sppo4j.model.judge.pairrm.PairRmJudge;
import io.sppo4j.model.judge.pairrm.PairRmSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The PairRM judge on whole groups, timed group by group with the process's resident memory after
 * each: load time, milliseconds per group of K responses (K(K−1) comparisons), and whether memory
 * stays flat over repeated groups (RSS after the last group against RSS after the first).
 *
 * <p>Texts are words of one token each in the synthetic tokenizer of {@code RandomPairRm}
 * (and about one in DeBERTa-v3's), so a comparison's length follows the word counts asked for.
 */
public final class PairRmBenchmark {

    private static final String[] WORDS = {"hello", "world", "the", "answer", "is", "sort", "yes", "no"};

    private final PairRmSettings settings;
    private final int groups;
    private final int k;
    private final int promptWords;
    private final int responseWords;
    private final long seed;

    public PairRmBenchmark(PairRmSettings settings, int groups, int k, int promptWords, int responseWords, long seed) {
        this.settings = settings;
        this.groups = groups;
        this.k = k;
        this.promptWords = promptWords;
        this.responseWords = responseWords;
        this.seed = seed;
    }

    /** Runs the benchmark and returns its JSON fields; {@code progress} receives one line per group. */
    public Map<String, Object> run(Consumer<String> progress) throws IOException {
        Random random = new Random(seed);
        long rssBefore = residentBytes();
        long start = System.nanoTime();
        List<Double> milliseconds = new ArrayList<>();
        List<Long> rss = new ArrayList<>();
        // Committed Java heap is part of RSS: reported beside it, so that heap growth is not read as a native leak.
        List<Long> heap = new ArrayList<>();
        try (PairRmJudge judge = PairRmJudge.load(settings)) {
            double loadSeconds = (System.nanoTime() - start) / 1e9;
            long rssLoaded = residentBytes();
            progress.accept(String.format("loaded in %.1f s, RSS %d MiB", loadSeconds, rssLoaded >> 20));
            for (int group = 0; group < groups; group++) {
                String prompt = words(promptWords, random);
                List<String> responses = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    // Lengths spread ±50% around the mean, as sampled responses do.
                    responses.add(words(responseWords / 2 + random.nextInt(responseWords + 1), random));
                }
                long began = System.nanoTime();
                double[][] preferences = judge.preferences(prompt, responses);
                milliseconds.add((System.nanoTime() - began) / 1e6);
                PreferenceMatrices.validate(preferences, "pairrm");
                rss.add(residentBytes());
                heap.add(Runtime.getRuntime().totalMemory());
                progress.accept(String.format("group %d: %.0f ms, RSS %d MiB (committed heap %d MiB)", group + 1,
                        milliseconds.get(group), rss.get(group) >> 20, heap.get(group) >> 20));
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("k", k);
            result.put("comparisons_per_group", k * (k - 1));
            result.put("groups", groups);
            result.put("prompt_words", promptWords);
            result.put("response_words_mean", responseWords);
            result.put("batch_size", settings.batchSize());
            result.put("dtype", settings.dtype() == DataType.FLOAT16 ? "fp16" : "fp32");
            result.put("load_s", loadSeconds);
            result.put("group_ms", milliseconds);
            result.put("group_ms_median", median(milliseconds));
            result.put("rss_before_load_mib", rssBefore >> 20);
            result.put("rss_loaded_mib", rssLoaded >> 20);
            result.put("rss_after_group_mib", rss.stream().map(bytes -> bytes >> 20).toList());
            result.put("rss_growth_after_first_group_mib", groups > 1 ? (rss.get(groups - 1) - rss.get(0)) >> 20 : 0);
            result.put("heap_committed_after_group_mib", heap.stream().map(bytes -> bytes >> 20).toList());
            result.put("heap_used_mib", AvailableMemory.heapInUseBytes() >> 20);
            return result;
        }
    }

    private static String words(int count, Random random) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return text.toString();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Resident set size from /proc (Linux), native memory included; -1 elsewhere. */
    static long residentBytes() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
