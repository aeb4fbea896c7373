package io.sppo4j.model.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import jinjava.javax.el.CompositeELResolver;

import java.io.IOException;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A model's chat template ({@code chat_template} in {@code tokenizer_config.json}) rendered the
 * way transformers' {@code apply_chat_template(messages, add_generation_prompt=True)} does: Jinja
 * with {@code trim_blocks} and {@code lstrip_blocks}, no trailing newline kept, the variables
 * {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} (when the
 * model has them), the helpers {@code raise_exception(msg)} and {@code strftime_now(fmt)},
 * Python's string methods ({@link PythonStringMethods}) and Python's {@code tojson}
 * ({@link PythonToJsonFilter}).
 *
 * <p>Rendered text already holds the model's special tokens (e.g. Llama-3's BOS) as text, so it
 * is tokenized without adding special tokens again (see {@link HfTokenizer#encodePrompt}).
 */
public final class ChatTemplate {

    private static final JinjavaConfig CONFIG = JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withLstripBlocks(true)
            // Jinjava would strip a newline the output ends with; Jinja strips one the source ends with.
            .withKeepTrailingNewline(true)
            // Python Jinja's semantics where Jinjava's historical ones differ (HF templates rely
            // on filters binding tighter than '+', and on '{{-' trimming).
            .withLegacyOverrides(LegacyOverrides.newBuilder()
                    .withUseNaturalOperatorPrecedence(true)
                    .withParseWhitespaceControlStrictly(true)
                    .withUseTrimmingForNotesAndExpressions(true)
                    .withDefaultKeepTrailingNewlineBehavior(true)
                    .withEvaluateMapKeys(true)
                    .withIterateOverMapKeys(true)
                    .withUsePyishObjectMapper(true)
                    .withKeepNullableLoopValues(true)
                    .build())
            .withElResolver(new CompositeELResolver() {
                {
                    add(new PythonStringMethods());
                    add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
                }
            })
            .build();

    private final String source;
    private final String body;
    private final Optional<String> bosToken;
    private final Optional<String> eosToken;
    private final Jinjava jinjava;

    public ChatTemplate(String source, Optional<String> bosToken, Optional<String> eosToken) {
        this.source = source;
        String adapted = JinjaCompatibility.adapt(source);
        this.body = adapted.endsWith("\r\n") ? adapted.substring(0, adapted.length() - 2)
                : adapted.endsWith("\n") ? adapted.substring(0, adapted.length() - 1) : adapted;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.jinjava = new Jinjava(CONFIG);
        jinjava.registerFunction(new ELFunctionDefinition(
                "", "raise_exception", TemplateFunctions.class, "raiseException", String.class));
        jinjava.registerFunction(new ELFunctionDefinition(
                "", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
        jinjava.registerFilter(new PythonToJsonFilter());
    }

    /**
     * The chat template of a model directory, from its {@code tokenizer_config.json}; empty when
     * the directory has none (prompts are then used as raw text). A list of named templates
     * ({@code [{"name": ..., "template": ...}]}) gives the one named {@code default}.
     */
    public static Optional<ChatTemplate> fromModelDirectory(Path directory) throws IOException {
        Optional<JsonObject> config = ModelFiles.optionalObject(directory, ModelFiles.TOKENIZER_CONFIG);
        if (config.isEmpty()) {
            return Optional.empty();
        }
        Path file = directory.resolve(ModelFiles.TOKENIZER_CONFIG);
        Optional<String> source = templateSource(config.get().get("chat_template"), file);
        if (source.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ChatTemplate(source.get(),
                ModelFiles.tokenText(config.get(), "bos_token", file),
                ModelFiles.tokenText(config.get(), "eos_token", file)));
    }

    private static Optional<String> templateSource(JsonElement value, Path file) {
        if (value == null || value.isJsonNull()) {
            return Optional.empty();
        }
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
            return Optional.of(value.getAsString());
        }
        if (value.isJsonArray()) {
            JsonArray named = value.getAsJsonArray();
            for (JsonElement entry : named) {
                if (entry.isJsonObject() && entry.getAsJsonObject().has("name")
                        && "default".equals(entry.getAsJsonObject().get("name").getAsString())) {
                    return Optional.of(entry.getAsJsonObject().get("template").getAsString());
                }
            }
            throw new IllegalArgumentException(file + ": 'chat_template' is a list of named templates without one named \"default\"");
        }
        throw new IllegalArgumentException(file + ": 'chat_template' must be a string or a list of {name, template}");
    }

    public String source() {
        return source;
    }

    /** The prompt for {@code messages}, ending where the assistant's reply begins. */
    public String render(List<ChatMessage> messages) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a chat prompt needs at least one message");
        }
        Map<String, Object> variables = new HashMap<>();
        variables.put("messages", messages.stream().map(ChatMessage::asTemplateValue).toList());
        variables.put("add_generation_prompt", true);
        bosToken.ifPresent(token -> variables.put("bos_token", token));
        eosToken.ifPresent(token -> variables.put("eos_token", token));
        RenderResult result = jinjava.renderForResult(body, variables);
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(error -> error.getSeverity() == TemplateError.ErrorType.FATAL)
                .toList();
        if (!fatal.isEmpty()) {
            throw new IllegalArgumentException("chat template failed: " + fatal.stream()
                    .map(ChatTemplate::describe)
                    .collect(Collectors.joining("; ")));
        }
        return result.getOutput();
    }

    private static String describe(TemplateError error) {
        Throwable cause = error.getException();
        while (cause != null && !(cause instanceof TemplateFunctions.TemplateRaised)) {
            cause = cause.getCause();
        }
        return cause != null ? cause.getMessage() : error.getMessage() + " (line " + error.getLineno() + ")";
    }

    /** Static helpers HF templates call; Jinjava binds functions to static methods. */
    public static final class TemplateFunctions {

        private TemplateFunctions() {}

        /** {@code raise_exception(msg)}: the template refuses the conversation. */
        public static Object raiseException(String message) {
            throw new TemplateRaised(message);
        }

        /** {@code strftime_now(fmt)}: the current local time in Python's strftime format. */
        public static String strftimeNow(String format) {
            return Strftime.format(format, ZonedDateTime.now());
        }

        static final class TemplateRaised extends RuntimeException {
            private static final long serialVersionUID = 1L;

            TemplateRaised(String message) {
                super(message);
            }
        }
    }
}
