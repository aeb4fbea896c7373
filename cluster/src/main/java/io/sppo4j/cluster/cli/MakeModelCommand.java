package io.sppo4j.cluster.cli;

import com.google.gson.JsonObject;
import io.sppo4j.model.hf.RandomCheckpoints;
import io.sppo4j.model.weights.TensorDType;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "make-model",
        mixinStandardHelpOptions = true,
        description = {
            "Writes a Hugging Face directory with random weights and a real model's public shape",
            "(smollm2-135m, qwen2.5-0.5b), a tiny byte-level tokenizer included: what bench llm and",
            "real-size runs need, with no download. --reward makes the *ForSequenceClassification of one label."
        })
final class MakeModelCommand implements Callable<Integer> {

    @Option(names = "--like", required = true, paramLabel = "SHAPE", description = "smollm2-135m or qwen2.5-0.5b.")
    String like;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write (replaced if it holds a model).")
    Path out;

    @Option(names = "--reward", description = "A reward model (one label) of the same shape.")
    boolean reward;

    @Option(names = "--layers", defaultValue = "0", description = "Blocks, 0 for the public config's (default).")
    int layers;

    @Option(names = "--dtype", defaultValue = "bf16", paramLabel = "bf16|fp32", description = "On-disk dtype (default ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the weights (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        TensorDType onDisk = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "bf16" -> TensorDType.BF16;
            case "fp32" -> TensorDType.F32;
            default -> throw new IllegalArgumentException("--dtype: expected bf16 or fp32, got '" + dtype + "'");
        };
        if (layers < 0) {
            throw new IllegalArgumentException("--layers: must be >= 0, got " + layers);
        }
        JsonObject config = RandomCheckpoints.config(like, reward, layers, onDisk);
        RandomCheckpoints.write(out, config, onDisk, seed);
        System.err.printf(Locale.ROOT, "make-model: %s%s with %d layers, %s weights, in %s%n", like,
                reward ? " reward model" : "", config.get("num_hidden_layers").getAsInt(), dtype, out);
        return 0;
    }
}
