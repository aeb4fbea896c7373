package io.sppo4j.model.hf;

import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Hugging Face model directory as read from disk: its architecture and config, the files that
 * travel with the weights (config, generation config, tokenizer, shard index) byte for byte, and
 * every tensor with the file, position and on-disk dtype it came in, so a save can reproduce the
 * same layout.
 *
 * <p>Tensors are mapped from their files, not read into memory (see
 * {@link io.sppo4j.model.checkpoint.SafeTensorsFile#mapped()}): loading converts one at a time
 * into the model's native parameters, and pages nobody touches are never read.
 *
 * <p>Only safetensors weights are read ({@code model.safetensors}, or the shards a
 * {@code model.safetensors.index.json} names); {@code pytorch_model.bin} is not.
 */
public final class HfModelDirectory {

    public static final String CONFIG_FILE = "config.json";
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";
    public static final String GENERATION_CONFIG_FILE = "generation_config.json";

    /** Files copied unchanged from the loaded directory to a saved one, when present. */
    public static final List<String> COMPANION_FILES = List.of(
            CONFIG_FILE,
            GENERATION_CONFIG_FILE,
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "vocab.json",
            "merges.txt",
            "tokenizer.model",
            "added_tokens.json",
            "chat_template.jinja",
            "chat_template.json",
            INDEX_FILE);

    /**
     * One safetensors file of the checkpoint.
     *
     * @param fileName relative to the directory
     * @param tensorNames in the order of their data in the file
     * @param metadata the file's {@code __metadata__} ({@code {"format": "pt"}} from transformers)
     */
    public record Shard(String fileName, List<String> tensorNames, Map<String, String> metadata) {
        public Shard {
            tensorNames = List.copyOf(tensorNames);
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }
    }

    private final Path directory;
    private final HfArchitecture architecture;
    private final ConfigJson config;
    private final Map<String, byte[]> companions;
    private final List<Shard> shards;
    private final Map<String, TensorDType> dtypes;
    private final Map<String, NamedTensor> tensors;

    private HfModelDirectory(
            Path directory,
            HfArchitecture architecture,
            ConfigJson config,
            Map<String, byte[]> companions,
            List<Shard> shards,
            Map<String, TensorDType> dtypes,
            Map<String, NamedTensor> tensors) {
        this.directory = directory;
        this.architecture = architecture;
        this.config = config;
        this.companions = companions;
        this.shards = List.copyOf(shards);
        this.dtypes = dtypes;
        this.tensors = tensors;
    }

    /**
     * Reads {@code config.json}, the companion files present and every safetensors file.
     *
     * @throws IllegalArgumentException naming the file when the architecture is unsupported, the
     *     index names a file or tensor that is not there, or a tensor is in two files
     * @throws IOException naming the file when one is missing or not valid safetensors
     */
    public static HfModelDirectory read(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "not a model directory");
        }
        Path configFile = directory.resolve(CONFIG_FILE);
        Map<String, byte[]> companions = new LinkedHashMap<>();
        for (String name : COMPANION_FILES) {
            Path file = directory.resolve(name);
            if (Files.isRegularFile(file)) {
                companions.put(name, Files.readAllBytes(file));
            }
        }
        if (!companions.containsKey(CONFIG_FILE)) {
            throw new NoSuchFileException(configFile.toString(), null, "missing from the model directory");
        }
        ConfigJson config = ConfigJson.parse(companions.get(CONFIG_FILE), configFile);
        HfArchitecture architecture = HfArchitecture.of(config.firstString("architectures"), configFile);

        Map<String, String> indexed = companions.containsKey(INDEX_FILE)
                ? weightMap(companions.get(INDEX_FILE), directory.resolve(INDEX_FILE))
                : null;
        List<String> files = indexed != null ? new ArrayList<>(new TreeSet<>(indexed.values())) : List.of(SINGLE_FILE);
        if (indexed == null && !Files.isRegularFile(directory.resolve(SINGLE_FILE))) {
            throw new NoSuchFileException(directory.resolve(SINGLE_FILE).toString(), null,
                    "missing, and there is no " + INDEX_FILE + " (only safetensors weights are supported)");
        }
        List<Shard> shards = new ArrayList<>();
        Map<String, NamedTensor> tensors = new LinkedHashMap<>();
        Map<String, String> fileOf = new LinkedHashMap<>();
        for (String file : files) {
            SafeTensors.Contents contents = SafeTensors.read(directory.resolve(file));
            List<String> names = new ArrayList<>();
            for (NamedTensor tensor : contents.tensors()) {
                String previous = fileOf.putIfAbsent(tensor.name(), file);
                if (previous != null) {
                    throw new IllegalArgumentException(directory + ": tensor '" + tensor.name() + "' is in both "
                            + previous + " and " + file);
                }
                tensors.put(tensor.name(), tensor);
                names.add(tensor.name());
            }
            shards.add(new Shard(file, names, contents.metadata()));
        }
        if (indexed != null) {
            for (Map.Entry<String, String> entry : indexed.entrySet()) {
                if (!entry.getValue().equals(fileOf.get(entry.getKey()))) {
                    throw new IllegalArgumentException(directory.resolve(INDEX_FILE) + ": places tensor '" + entry.getKey()
                            + "' in " + entry.getValue() + " but it is not there");
                }
            }
        }
        Map<String, TensorDType> dtypes = new LinkedHashMap<>();
        tensors.forEach((name, tensor) -> dtypes.put(name, tensor.dtype()));
        return new HfModelDirectory(directory, architecture, config, companions, shards, dtypes, tensors);
    }

    /** The index's {@code weight_map}: tensor name to shard file name. */
    static Map<String, String> weightMap(byte[] index, Path file) {
        ConfigJson json = ConfigJson.parse(index, file);
        ConfigJson map = json.optionalObject("weight_map");
        if (map == null) {
            throw json.invalid("weight_map", "missing");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (String name : map.keys()) {
            String shard = map.requiredString(name);
            if (shard.contains("/") || shard.contains("\\") || shard.equals("..")) {
                throw map.invalid(name, "shard file '" + shard + "' is not a plain file name");
            }
            weightMap.put(name, shard);
        }
        return weightMap;
    }

    public Path directory() {
        return directory;
    }

    public HfArchitecture architecture() {
        return architecture;
    }

    ConfigJson config() {
        return config;
    }

    /** End-of-sequence ids: {@code generation_config.json}'s, else {@code config.json}'s; empty when neither says. */
    public List<Integer> eosTokenIds() {
        return specialToken("eos_token_id");
    }

    /** Beginning-of-sequence id, as {@link #eosTokenIds()} finds it. */
    public OptionalInt bosTokenId() {
        return single("bos_token_id");
    }

    /** Padding id, as {@link #eosTokenIds()} finds it; many checkpoints have none. */
    public OptionalInt padTokenId() {
        return single("pad_token_id");
    }

    private OptionalInt single(String key) {
        List<Integer> ids = specialToken(key);
        return ids.isEmpty() ? OptionalInt.empty() : OptionalInt.of(ids.get(0));
    }

    private List<Integer> specialToken(String key) {
        byte[] generation = companions.get(GENERATION_CONFIG_FILE);
        if (generation != null) {
            List<Integer> ids = ConfigJson.parse(generation, directory.resolve(GENERATION_CONFIG_FILE)).intOrInts(key);
            if (!ids.isEmpty()) {
                return ids;
            }
        }
        return config.intOrInts(key);
    }

    /** The safetensors files, in file-name order, each with its tensors in data order. */
    public List<Shard> shards() {
        return shards;
    }

    /** Companion files by name, as read (see {@link #COMPANION_FILES}). */
    public Map<String, byte[]> companions() {
        return Collections.unmodifiableMap(companions);
    }

    /** Tensors by name, with their on-disk dtype and bytes; after loading, only those no parameter holds. */
    public Map<String, NamedTensor> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    /** The on-disk dtype of every tensor of the checkpoint, by name. */
    public Map<String, TensorDType> dtypes() {
        return Collections.unmodifiableMap(dtypes);
    }

    /** Whether a tensor of that name is in any file. */
    public boolean has(String name) {
        return dtypes.containsKey(name);
    }

    /**
     * The tensor of that name.
     *
     * @throws IllegalArgumentException naming the tensor, the architecture and the files searched
     */
    public NamedTensor tensor(String name) {
        NamedTensor tensor = tensors.get(name);
        if (tensor == null) {
            throw new IllegalArgumentException(directory + ": " + architecture.className() + " needs tensor '" + name
                    + "' but it is in none of " + shards.stream().map(Shard::fileName).toList());
        }
        return tensor;
    }

    /** The same layout keeping only the data of {@code names}; the others now live in a model's parameters. */
    HfModelDirectory retaining(Set<String> names) {
        Map<String, NamedTensor> kept = new LinkedHashMap<>();
        for (String name : names) {
            kept.put(name, tensors.get(name));
        }
        return new HfModelDirectory(directory, architecture, config, companions, shards, dtypes, kept);
    }

    /**
     * The layout of a model initialised from a {@code config.json} rather than read: one
     * {@code model.safetensors} holding {@code names} in order as {@code dtype}, with that
     * {@code config.json} beside it. A save of the model writes exactly that.
     */
    static HfModelDirectory initialised(byte[] configJson, Collection<String> names, TensorDType dtype) {
        Path origin = Path.of(INITIALISED);
        ConfigJson config = ConfigJson.parse(configJson, origin.resolve(CONFIG_FILE));
        HfArchitecture architecture = HfArchitecture.of(config.firstString("architectures"), origin.resolve(CONFIG_FILE));
        Map<String, byte[]> companions = new LinkedHashMap<>();
        companions.put(CONFIG_FILE, configJson.clone());
        Map<String, TensorDType> dtypes = new LinkedHashMap<>();
        names.forEach(name -> dtypes.put(name, dtype));
        Shard shard = new Shard(SINGLE_FILE, List.copyOf(names), Map.of("format", "pt"));
        return new HfModelDirectory(origin, architecture, config, companions, List.of(shard), dtypes, Map.of());
    }

    /** Stands for the directory of a model that was initialised, not read, in messages. */
    static final String INITIALISED = "(initialised from a seed)";
}
