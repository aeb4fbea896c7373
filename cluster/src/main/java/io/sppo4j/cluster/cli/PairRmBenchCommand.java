package io.sppo4j.cluster.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import io.sppo4j.cluster.bench.PairRmBenchmark;
import io.sppo4j.model.judge.pairrm.PairRmSettings;
import io.sppo4j.model.judge.pairrm.RandomPairRm;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "pairrm",
        mixinStandardHelpOptions = true,
        description = {
            "The PairRM judge on groups of K responses: load time, milliseconds and resident memory per group.",
            "Without --judge it first writes a checkpoint of PairRM-hf's real shape to a temporary directory:",
            "24 layers, hidden 1024, 256 position buckets, random bf16 weights, a synthetic tokenizer."
        })
final class PairRmBenchCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(names = "--judge", paramLabel = "DIR", description = "A DebertaV2PairRM directory (default: random weights at PairRM's shape).")
    Path judge;

    @Option(names = "--groups", defaultValue = "4", description = "Groups judged one after another (default ${DEFAULT-VALUE}).")
    int groups;

    @Option(names = "--k", defaultValue = "5", description = "Responses per group (default ${DEFAULT-VALUE}, the SPPO paper's).")
    int k;

    @Option(names = "--prompt-words", defaultValue = "64", description = "Words of each prompt (default ${DEFAULT-VALUE}).")
    int promptWords;

    @Option(names = "--response-words", defaultValue = "128",
            description = "Mean words of a response, spread ±50%% (default ${DEFAULT-VALUE}).")
    int responseWords;

    @Option(names = "--batch-size", paramLabel = "N", description = "Comparisons per forward pass (default: sppo4j.judge.pairrm.batch-size).")
    Integer batchSize;

    @Option(names = "--dtype", paramLabel = "fp32|fp16", description = "Compute precision (default: sppo4j.judge.pairrm.dtype).")
    String dtype;

    @Option(names = "--device", paramLabel = "DEVICE", description = "auto, cpu, gpu or gpu:N (default: sppo4j.judge.pairrm.device).")
    String device;

    @Option(names = "--json", description = "Print only the JSON summary on stdout.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (groups < 1 || k < 2 || promptWords < 1 || responseWords < 2) {
            throw new IllegalArgumentException("--groups >= 1, --k >= 2, --prompt-words >= 1 and --response-words >= 2");
        }
        Path directory = judge;
        Path temporary = null;
        if (directory == null) {
            temporary = Files.createTempDirectory("sppo4j-pairrm-bench");
            directory = temporary;
            System.err.println("bench pairrm: writing random weights of PairRM's shape to " + directory);
            RandomPairRm.write(directory, RandomPairRm.PAIRRM, TensorDType.BF16, 7);
        }
        try {
            Config config = configOptions.load("sppo4j.judge.pairrm.path=\"" + directory + "\"");
            PairRmSettings settings = PairRmSettings.from(config);
            if (batchSize != null) {
                settings = settings.withBatchSize(batchSize);
            }
            if (dtype != null) {
                settings = settings.withDtype(switch (dtype) {
                    case "fp32" -> DataType.FLOAT32;
                    case "fp16" -> DataType.FLOAT16;
                    default -> throw new IllegalArgumentException("--dtype must be fp32 or fp16, got '" + dtype + "'");
                });
            }
            Device target = device != null ? Devices.parse(device, "--device") : settings.device();
            settings = new PairRmSettings(settings.path(), target, settings.dtype(), settings.batchSize(),
                    settings.maxSourceTokens(), settings.maxCandidateTokens());
            Map<String, Object> result = new PairRmBenchmark(settings, groups, k, promptWords, responseWords,
                    config.getLong("sppo4j.seed")).run(line -> System.err.println("bench pairrm: " + line));
            result.put("judge", judge == null ? "random PairRM-hf shape (bf16 on disk)" : judge.toString());
            result.put("device", Devices.describe(target));
            if (!json) {
                System.out.printf("PairRM: %.0f ms per group of %d (median of %d), RSS growth after the first group %d MiB%n",
                        result.get("group_ms_median"), k, groups, result.get("rss_growth_after_first_group_mib"));
            }
            System.out.println(Json.line(result));
        } finally {
            if (temporary != null) {
                deleteTree(temporary);
            }
        }
        return 0;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
