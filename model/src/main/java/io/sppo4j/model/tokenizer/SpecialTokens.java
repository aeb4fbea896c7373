package io.sppo4j.model.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A model's special tokens as its configuration files name them.
 *
 * <p>Each token is looked up in {@code tokenizer_config.json}, then {@code special_tokens_map.json}
 * (as text: a string or an AddedToken object), then {@code generation_config.json} (as an id).
 * The stop tokens are EOS and every id of {@code generation_config.json}'s {@code eos_token_id}
 * (an int or a list). Pad falls back to EOS, as is common practice for decoder-only models; BOS
 * falls back to EOS only as a placeholder id, and is then never prepended.
 *
 * @param bos beginning-of-sequence id
 * @param bosText its text, when the model names one (chat templates print it)
 * @param eos end-of-sequence id, the end of a trained response
 * @param eosText its text
 * @param pad padding id
 * @param stopTokens ids that end sampling, EOS first
 * @param addBosToken {@code add_bos_token} of the tokenizer config when it says; empty when the
 *     tokenizer's post-processor decides
 */
public record SpecialTokens(
        int bos, Optional<String> bosText, int eos, Optional<String> eosText, int pad, int[] stopTokens,
        Optional<Boolean> addBosToken, boolean hasBos) {

    public SpecialTokens {
        stopTokens = stopTokens.clone();
    }

    @Override
    public int[] stopTokens() {
        return stopTokens.clone();
    }

    static SpecialTokens read(Path directory, TokenVocabulary vocabulary) throws IOException {
        Source tokenizerConfig = Source.of(directory, ModelFiles.TOKENIZER_CONFIG);
        Source specialTokensMap = Source.of(directory, ModelFiles.SPECIAL_TOKENS_MAP);
        Optional<JsonObject> generation = ModelFiles.optionalObject(directory, ModelFiles.GENERATION_CONFIG);
        Path generationFile = directory.resolve(ModelFiles.GENERATION_CONFIG);

        Optional<String> bosText = tokenizerConfig.text("bos_token").or(() -> specialTokensMap.text("bos_token"));
        Optional<String> eosText = tokenizerConfig.text("eos_token").or(() -> specialTokensMap.text("eos_token"));
        Optional<String> padText = tokenizerConfig.text("pad_token").or(() -> specialTokensMap.text("pad_token"));

        List<Integer> generationEos = generation.map(config -> ids(config, "eos_token_id", generationFile))
                .orElse(List.of());
        OptionalInt generationBos = generation.map(config -> first(ids(config, "bos_token_id", generationFile)))
                .orElse(OptionalInt.empty());
        OptionalInt generationPad = generation.map(config -> first(ids(config, "pad_token_id", generationFile)))
                .orElse(OptionalInt.empty());

        OptionalInt eos = idOf(eosText, vocabulary, directory);
        if (eos.isEmpty() && !generationEos.isEmpty()) {
            eos = OptionalInt.of(generationEos.get(0));
        }
        if (eos.isEmpty()) {
            throw new IllegalArgumentException(directory + ": no EOS token: neither " + ModelFiles.TOKENIZER_CONFIG
                    + " / " + ModelFiles.SPECIAL_TOKENS_MAP + " 'eos_token' nor " + ModelFiles.GENERATION_CONFIG
                    + " 'eos_token_id' names one");
        }
        OptionalInt bos = idOf(bosText, vocabulary, directory);
        if (bos.isEmpty()) {
            bos = generationBos;
        }
        OptionalInt pad = idOf(padText, vocabulary, directory);
        if (pad.isEmpty()) {
            pad = generationPad;
        }
        Set<Integer> stops = new LinkedHashSet<>();
        stops.add(eos.getAsInt());
        stops.addAll(generationEos);
        for (int id : stops) {
            if (id < 0 || id >= vocabulary.size()) {
                throw new IllegalArgumentException(generationFile + ": eos_token_id " + id
                        + " is outside the vocabulary of " + vocabulary.size());
            }
        }
        Optional<Boolean> addBos = tokenizerConfig.flag("add_bos_token");
        return new SpecialTokens(
                bos.orElse(eos.getAsInt()), bosText, eos.getAsInt(), eosText, pad.orElse(eos.getAsInt()),
                stops.stream().mapToInt(Integer::intValue).toArray(), addBos, bos.isPresent());
    }

    private static OptionalInt idOf(Optional<String> text, TokenVocabulary vocabulary, Path directory) {
        if (text.isEmpty()) {
            return OptionalInt.empty();
        }
        OptionalInt id = vocabulary.id(text.get());
        if (id.isEmpty()) {
            throw new IllegalArgumentException(directory + ": special token '" + text.get()
                    + "' is not in " + ModelFiles.TOKENIZER);
        }
        return id;
    }

    /** An id or a list of ids ({@code eos_token_id} may be either); empty when absent or null. */
    private static List<Integer> ids(JsonObject config, String key, Path file) {
        JsonElement value = config.get(key);
        if (value == null || value.isJsonNull()) {
            return List.of();
        }
        List<Integer> ids = new ArrayList<>();
        try {
            if (value.isJsonArray()) {
                value.getAsJsonArray().forEach(id -> ids.add(id.getAsInt()));
            } else {
                ids.add(value.getAsInt());
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": '" + key + "' must be an int or a list of ints, got " + value, e);
        }
        return ids;
    }

    private static OptionalInt first(List<Integer> ids) {
        return ids.isEmpty() ? OptionalInt.empty() : OptionalInt.of(ids.get(0));
    }

    @Override
    public String toString() {
        return "SpecialTokens[bos=" + bos + (hasBos ? "" : " (none)") + ", eos=" + eos + ", pad=" + pad
                + ", stop=" + Arrays.toString(stopTokens) + ", add_bos_token=" + addBosToken.map(String::valueOf).orElse("unset") + "]";
    }

    /** One optional config file, read once. */
    private record Source(Optional<JsonObject> json, Path file) {

        static Source of(Path directory, String name) throws IOException {
            return new Source(ModelFiles.optionalObject(directory, name), directory.resolve(name));
        }

        Optional<String> text(String key) {
            return json.flatMap(config -> ModelFiles.tokenText(config, key, file));
        }

        Optional<Boolean> flag(String key) {
            return json.filter(config -> config.has(key) && !config.get(key).isJsonNull())
                    .map(config -> {
                        JsonElement value = config.get(key);
                        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isBoolean()) {
                            throw new IllegalArgumentException(file + ": '" + key + "' must be true or false, got " + value);
                        }
                        return value.getAsBoolean();
                    });
        }
    }
}
