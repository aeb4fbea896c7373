package io.sppo4j.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.weights.NamedTensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Hugging Face model directory read for a model whose code lives outside this package (the
 * PairRM judge's DeBERTa encoder): {@code config.json} through {@link ConfigJson}, the
 * safetensors files ({@code model.safetensors}, or the shards an index names) through
 * {@link SafeTensors}, each tensor widened by {@link DiskTensors}. It is the one place such
 * models touch the checkpoint readers, so that a change to those readers is absorbed here.
 *
 * <p>Unlike {@link HfModelDirectory} it accepts any {@code architectures[0]}: the model checks it.
 * Each tensor is handed over once ({@link #take}); its host bytes are let go as it is.
 */
public final class HfTensorDirectory {

    private final Path directory;
    private final Config config;
    private final Map<String, NamedTensor> tensors;
    private final Map<String, String> fileOf;

    private HfTensorDirectory(Path directory, Config config, Map<String, NamedTensor> tensors, Map<String, String> fileOf) {
        this.directory = directory;
        this.config = config;
        this.tensors = tensors;
        this.fileOf = fileOf;
    }

    /**
     * Reads {@code config.json} and every safetensors file of the directory.
     *
     * @throws NoSuchFileException naming the file when config.json or the weights are missing
     */
    public static HfTensorDirectory read(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "not a model directory");
        }
        Path configFile = directory.resolve(HfModelDirectory.CONFIG_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new NoSuchFileException(configFile.toString(), null, "missing from the model directory");
        }
        byte[] configBytes = Files.readAllBytes(configFile);
        Config config = new Config(ConfigJson.parse(configBytes, configFile),
                JsonParser.parseString(new String(configBytes, StandardCharsets.UTF_8)).getAsJsonObject());
        Path index = directory.resolve(HfModelDirectory.INDEX_FILE);
        List<String> files;
        if (Files.isRegularFile(index)) {
            files = new ArrayList<>(new TreeSet<>(HfModelDirectory.weightMap(Files.readAllBytes(index), index).values()));
        } else if (Files.isRegularFile(directory.resolve(HfModelDirectory.SINGLE_FILE))) {
            files = List.of(HfModelDirectory.SINGLE_FILE);
        } else {
            throw new NoSuchFileException(directory.resolve(HfModelDirectory.SINGLE_FILE).toString(), null,
                    "missing, and there is no " + HfModelDirectory.INDEX_FILE + " (only safetensors weights are supported)");
        }
        Map<String, NamedTensor> tensors = new LinkedHashMap<>();
        Map<String, String> fileOf = new LinkedHashMap<>();
        for (String file : files) {
            for (NamedTensor tensor : SafeTensors.read(directory.resolve(file)).tensors()) {
                String previous = fileOf.putIfAbsent(tensor.name(), file);
                if (previous != null) {
                    throw new IllegalArgumentException(directory + ": tensor '" + tensor.name() + "' is in both "
                            + previous + " and " + file);
                }
                tensors.put(tensor.name(), tensor);
            }
        }
        return new HfTensorDirectory(directory, config, tensors, fileOf);
    }

    public Path directory() {
        return directory;
    }

    public Config config() {
        return config;
    }

    /** Whether a tensor of that name is still to be taken. */
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /**
     * The tensor as an array of {@code dtype} (FLOAT32 or FLOAT16) owned by {@code owner}, on
     * its device; the host copy is dropped. (Not BFLOAT16: DJL 0.35's PyTorch JNI has no mapping
     * for it and aborts the JVM on any bfloat16 array.)
     *
     * @throws IllegalArgumentException naming the tensor and the files when it is missing or its
     *     shape is not {@code shape}
     */
    public NDArray take(String name, NDManager owner, DataType dtype, long... shape) {
        NamedTensor tensor = tensors.remove(name);
        if (tensor == null) {
            throw new IllegalArgumentException(directory + ": " + config.architecture() + " needs tensor '" + name
                    + "' but it is in none of " + new TreeSet<>(fileOf.values()));
        }
        if (!Arrays.equals(tensor.shape(), shape)) {
            throw new IllegalArgumentException(directory + "/" + fileOf.get(name) + ": tensor '" + name + "' has shape "
                    + Arrays.toString(tensor.shape()) + " but config.json implies " + Arrays.toString(shape));
        }
        NDArray f32 = DiskTensors.toFloat32(tensor, owner);
        if (dtype == DataType.FLOAT32) {
            return f32;
        }
        if (dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("tensor '" + name + "': compute dtype must be float32 or float16, got " + dtype);
        }
        try (f32) {
            return f32.toType(DataType.FLOAT16, false);
        }
    }

    /** Names of the tensors not taken yet, sorted. */
    public Set<String> remaining() {
        return new TreeSet<>(tensors.keySet());
    }

    /**
     * {@code config.json}, read with the key (and the file) named in every error. A view of this
     * package's config reader for models in other packages.
     */
    public static final class Config {

        private final ConfigJson json;
        private final JsonObject raw;

        private Config(ConfigJson json, JsonObject raw) {
            this.json = json;
            this.raw = raw;
        }

        public Path file() {
            return json.file();
        }

        /** {@code architectures[0]}. */
        public String architecture() {
            return json.firstString("architectures");
        }

        public boolean has(String key) {
            return json.has(key);
        }

        public int requiredPositive(String key) {
            return json.requiredPositive(key);
        }

        public int requiredInt(String key) {
            return json.requiredInt(key);
        }

        public int optionalInt(String key, int fallback) {
            return json.optionalInt(key, fallback);
        }

        public double optionalDouble(String key, double fallback) {
            return json.optionalDouble(key, fallback);
        }

        public boolean optionalBoolean(String key, boolean fallback) {
            return json.optionalBoolean(key, fallback);
        }

        public String optionalString(String key, String fallback) {
            return json.optionalString(key, fallback);
        }

        /**
         * A list of lower-case names given either as an array of strings or as one string joined
         * by {@code |} (transformers accepts both for {@code pos_att_type} and {@code norm_rel_ebd});
         * {@code fallback} when absent.
         */
        public List<String> names(String key, List<String> fallback) {
            if (!json.has(key)) {
                return fallback;
            }
            JsonElement value = raw.get(key);
            List<String> names = new ArrayList<>();
            if (value.isJsonArray()) {
                for (JsonElement element : value.getAsJsonArray()) {
                    if (!element.isJsonPrimitive() || !element.getAsJsonPrimitive().isString()) {
                        throw invalid(key, "expected strings, got " + value);
                    }
                    names.add(element.getAsString());
                }
            } else if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
                names.addAll(Arrays.asList(value.getAsString().split("\\|")));
            } else {
                throw invalid(key, "expected a string or an array of strings, got " + value);
            }
            return names.stream().map(name -> name.strip().toLowerCase(Locale.ROOT)).filter(name -> !name.isEmpty()).toList();
        }

        /** An error naming the file and the key. */
        public IllegalArgumentException invalid(String key, String problem) {
            return json.invalid(key, problem);
        }
    }
}
