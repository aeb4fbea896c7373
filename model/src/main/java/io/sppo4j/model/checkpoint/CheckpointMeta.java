package io.sppo4j.model.checkpoint;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import io.sppo4j.model.policy.PolicyConfig;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The meta.json of a checkpoint directory: everything but the tensors, plus the length and
 * CRC32C of each data file so that damage is found before anything is parsed. Human-readable
 * on purpose; the field names are the format.
 *
 * @param optimizerAlgorithm null when the checkpoint has no optimiser state
 * @param files data file name to its digest
 */
record CheckpointMeta(
        long step,
        long version,
        long rngSeed,
        PolicyConfig policyConfig,
        int weightsChecksum,
        String optimizerAlgorithm,
        Map<String, Double> optimizerScalars,
        Map<String, String> extra,
        Map<String, FileDigest> files) {

    static final String FORMAT = "sppo4j-checkpoint";
    static final int FORMAT_VERSION = 1;

    /** JSON has no NaN or infinities; scalars such as a loss average may still hold them. */
    private static final Map<String, Double> NON_FINITE = Map.of(
            "NaN", Double.NaN, "Infinity", Double.POSITIVE_INFINITY, "-Infinity", Double.NEGATIVE_INFINITY);

    byte[] toJson() {
        StringWriter text = new StringWriter();
        try (JsonWriter writer = new JsonWriter(text)) {
            writer.setHtmlSafe(false);
            writer.setIndent("  ");
            writer.beginObject();
            writer.name("format").value(FORMAT);
            writer.name("format_version").value(FORMAT_VERSION);
            writer.name("step").value(step);
            writer.name("version").value(version);
            writer.name("rng_seed").value(rngSeed);
            writer.name("policy_config").beginObject()
                    .name("vocab_size").value(policyConfig.vocabSize())
                    .name("width").value(policyConfig.width())
                    .name("layers").value(policyConfig.layers())
                    .name("heads").value(policyConfig.heads())
                    .name("context_length").value(policyConfig.contextLength())
                    .name("dropout").value(policyConfig.dropout())
                    .endObject();
            writer.name("weights").beginObject()
                    .name("encoding").value("FP32")
                    .name("checksum").value(Integer.toUnsignedLong(weightsChecksum))
                    .endObject();
            if (optimizerAlgorithm != null) {
                writer.name("optimizer").beginObject().name("algorithm").value(optimizerAlgorithm);
                writer.name("scalars").beginObject();
                for (Map.Entry<String, Double> scalar : new TreeMap<>(optimizerScalars).entrySet()) {
                    double value = scalar.getValue();
                    writer.name(scalar.getKey());
                    if (Double.isFinite(value)) {
                        writer.value(value);
                    } else {
                        writer.value(Double.toString(value));
                    }
                }
                writer.endObject().endObject();
            }
            writer.name("extra").beginObject();
            for (Map.Entry<String, String> entry : extra.entrySet()) {
                writer.name(entry.getKey()).value(entry.getValue());
            }
            writer.endObject();
            writer.name("files").beginObject();
            for (Map.Entry<String, FileDigest> file : files.entrySet()) {
                writer.name(file.getKey()).beginObject()
                        .name("bytes").value(file.getValue().bytes())
                        .name("crc32c").value(Integer.toUnsignedLong(file.getValue().crc32c()))
                        .endObject();
            }
            writer.endObject();
            writer.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException("a StringWriter does not fail", e);
        }
        return (text + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses and checks meta.json.
     *
     * @throws CorruptCheckpointException naming {@code file} if it is not strict UTF-8 JSON, is
     *     of another format or version, or lacks or mistypes a field
     */
    static CheckpointMeta parse(byte[] bytes, Path file) throws CorruptCheckpointException {
        JsonObject root = parseObject(bytes, file);
        Fields meta = new Fields(root, "", file);
        String format = meta.string("format");
        if (!FORMAT.equals(format)) {
            throw new CorruptCheckpointException(file, "format is '" + format + "', expected '" + FORMAT + "'");
        }
        long formatVersion = meta.integer("format_version");
        if (formatVersion != FORMAT_VERSION) {
            throw new CorruptCheckpointException(file, "unsupported format_version " + formatVersion
                    + " (this build reads " + FORMAT_VERSION + ")");
        }
        Fields config = meta.object("policy_config");
        PolicyConfig policyConfig;
        try {
            policyConfig = new PolicyConfig(
                    config.int32("vocab_size"), config.int32("width"), config.int32("layers"), config.int32("heads"),
                    config.int32("context_length"), config.float32("dropout"));
        } catch (IllegalArgumentException e) {
            throw new CorruptCheckpointException(file, "invalid policy_config: " + e.getMessage(), e);
        }
        Fields weights = meta.object("weights");
        if (!"FP32".equals(weights.string("encoding"))) {
            throw new CorruptCheckpointException(file, "weights.encoding must be FP32");
        }
        int weightsChecksum = weights.uint32("checksum");
        String algorithm = null;
        Map<String, Double> scalars = Map.of();
        if (meta.has("optimizer")) {
            Fields optimizer = meta.object("optimizer");
            algorithm = optimizer.string("algorithm");
            Fields scalarFields = optimizer.object("scalars");
            scalars = new LinkedHashMap<>();
            for (String name : scalarFields.names()) {
                scalars.put(name, scalarFields.scalar(name));
            }
        }
        Fields extraFields = meta.object("extra");
        Map<String, String> extra = new LinkedHashMap<>();
        for (String name : extraFields.names()) {
            extra.put(name, extraFields.string(name));
        }
        Fields fileFields = meta.object("files");
        Map<String, FileDigest> files = new LinkedHashMap<>();
        for (String name : fileFields.names()) {
            Fields digest = fileFields.object(name);
            files.put(name, new FileDigest(digest.integer("bytes"), digest.uint32("crc32c")));
        }
        return new CheckpointMeta(meta.integer("step"), meta.integer("version"), meta.integer("rng_seed"),
                policyConfig, weightsChecksum, algorithm, Collections.unmodifiableMap(scalars),
                Collections.unmodifiableMap(extra), Collections.unmodifiableMap(files));
    }

    private static JsonObject parseObject(byte[] bytes, Path file) throws CorruptCheckpointException {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            JsonReader reader = new JsonReader(new StringReader(text));
            // Gson's convenience parsers turn leniency on; the adapter keeps the reader's strictness.
            reader.setStrictness(Strictness.STRICT);
            JsonElement root = new Gson().getAdapter(JsonElement.class).read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new CorruptCheckpointException(file, "not valid JSON: content after the top-level value");
            }
            if (!root.isJsonObject()) {
                throw new CorruptCheckpointException(file, "not a JSON object");
            }
            return root.getAsJsonObject();
        } catch (CharacterCodingException e) {
            throw new CorruptCheckpointException(file, "not valid UTF-8", e);
        } catch (CorruptCheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CorruptCheckpointException(file, "not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Typed access to one JSON object's fields, with errors naming the field's path. */
    private record Fields(JsonObject object, String path, Path file) {

        boolean has(String name) {
            return object.has(name) && !object.get(name).isJsonNull();
        }

        Iterable<String> names() {
            return object.keySet();
        }

        Fields object(String name) throws CorruptCheckpointException {
            JsonElement value = require(name);
            if (!value.isJsonObject()) {
                throw wrongType(name, "an object");
            }
            return new Fields(value.getAsJsonObject(), path + name + ".", file);
        }

        String string(String name) throws CorruptCheckpointException {
            JsonElement value = require(name);
            if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
                throw wrongType(name, "a string");
            }
            return value.getAsString();
        }

        /** Parsed straight to float: via double, rounding twice could miss the float written. */
        float float32(String name) throws CorruptCheckpointException {
            return Float.parseFloat(numberLiteral(name).toString());
        }

        /** A number, or one of the strings NaN, Infinity, -Infinity. */
        double scalar(String name) throws CorruptCheckpointException {
            JsonElement value = require(name);
            if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
                Double special = NON_FINITE.get(value.getAsString());
                if (special == null) {
                    throw wrongType(name, "a number, NaN, Infinity or -Infinity");
                }
                return special;
            }
            return Double.parseDouble(numberLiteral(name).toString());
        }

        long integer(String name) throws CorruptCheckpointException {
            try {
                return numberLiteral(name).longValueExact();
            } catch (ArithmeticException e) {
                throw wrongType(name, "an integer in the range of a signed 64-bit number");
            }
        }

        int int32(String name) throws CorruptCheckpointException {
            try {
                return numberLiteral(name).intValueExact();
            } catch (ArithmeticException e) {
                throw wrongType(name, "an integer in the range of a signed 32-bit number");
            }
        }

        int uint32(String name) throws CorruptCheckpointException {
            long value = integer(name);
            if (value < 0 || value > 0xFFFF_FFFFL) {
                throw wrongType(name, "an unsigned 32-bit integer");
            }
            return (int) value;
        }

        private BigDecimal numberLiteral(String name) throws CorruptCheckpointException {
            JsonElement value = require(name);
            if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
                throw wrongType(name, "a number");
            }
            return new BigDecimal(((JsonPrimitive) value).getAsString());
        }

        private JsonElement require(String name) throws CorruptCheckpointException {
            JsonElement value = object.get(name);
            if (value == null || value.isJsonNull()) {
                throw new CorruptCheckpointException(file, "missing field '" + path + name + "'");
            }
            return value;
        }

        private CorruptCheckpointException wrongType(String name, String expected) {
            return new CorruptCheckpointException(file, "field '" + path + name + "' should be " + expected
                    + ", got " + object.get(name));
        }
    }
}
