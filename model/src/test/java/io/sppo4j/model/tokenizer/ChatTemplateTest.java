package io.sppo4j.model.tokenizer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real chat templates of three model families render exactly what transformers'
 * {@code apply_chat_template(..., add_generation_prompt=True)} renders (the expected strings were
 * produced by Python Jinja2 with transformers' environment settings).
 */
class ChatTemplateTest {

    private static final List<ChatMessage> USER_THEN_ASSISTANT =
            List.of(ChatMessage.user("What is 2+2?"), new ChatMessage("assistant", "  4  "));
    private static final List<ChatMessage> SYSTEM_THEN_USER =
            List.of(new ChatMessage("system", "Be brief."), ChatMessage.user(" Hello!\n"));

    private static ChatTemplate template(String model) throws IOException {
        return ChatTemplate.fromModelDirectory(TinyModels.directory(model)).orElseThrow();
    }

    @Test
    void smolLm2RendersChatMlWithItsDefaultSystemMessage() throws IOException {
        ChatTemplate smol = template("smollm2");
        assertEquals("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                        + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                        + "<|im_start|>assistant\n  4  <|im_end|>\n"
                        + "<|im_start|>assistant\n",
                smol.render(USER_THEN_ASSISTANT));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n"
                        + "<|im_start|>user\n Hello!\n<|im_end|>\n"
                        + "<|im_start|>assistant\n",
                smol.render(SYSTEM_THEN_USER));
    }

    @Test
    void qwen25AddsItsDefaultSystemMessageUnlessOneIsGiven() throws IOException {
        ChatTemplate qwen = template("qwen2.5");
        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                        + "<|im_start|>assistant\n  4  <|im_end|>\n"
                        + "<|im_start|>assistant\n",
                qwen.render(USER_THEN_ASSISTANT));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n"
                        + "<|im_start|>user\n Hello!\n<|im_end|>\n"
                        + "<|im_start|>assistant\n",
                qwen.render(SYSTEM_THEN_USER));
    }

    @Test
    void llama3WritesBosAndHeaderIdsAndTrimsContents() throws IOException {
        ChatTemplate llama = template("llama3");
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                llama.render(USER_THEN_ASSISTANT));
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                llama.render(SYSTEM_THEN_USER));
    }

    @Test
    void qwen3ReversedSlicesAndNamespaceArithmeticRenderAsInPython() throws IOException {
        // Qwen3's template walks messages[::-1] and computes namespace(last_query_index=messages|length - 1),
        // two constructs Jinjava parses differently unless rewritten (JinjaCompatibility); it also
        // drops the reasoning of earlier assistant turns with split('</think>')[-1].lstrip('\n').
        ChatTemplate qwen3 = template("qwen3");
        assertEquals("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n"
                        + "<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n",
                qwen3.render(List.of(ChatMessage.user("What is 2+2?"),
                        new ChatMessage("assistant", "<think>\nadd\n</think>\n\n4"), ChatMessage.user("And 3+3?"))));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n Hello!\n<|im_end|>\n<|im_start|>assistant\n",
                qwen3.render(SYSTEM_THEN_USER));
    }

    @Test
    void aDirectoryWithoutChatTemplateHasNone() throws IOException {
        assertTrue(ChatTemplate.fromModelDirectory(TinyModels.directory("gpt2")).isEmpty());
    }

    @Test
    void raiseExceptionFailsWithTheTemplatesMessage() {
        ChatTemplate alternating = new ChatTemplate(
                "{% for m in messages %}{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}"
                        + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
                        + "{% endif %}{{ m['content'] }}{% endfor %}",
                Optional.empty(), Optional.empty());
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> alternating.render(List.of(ChatMessage.user("a"), ChatMessage.user("b"))));
        assertTrue(error.getMessage().contains("Conversation roles must alternate user/assistant/user/assistant/..."),
                error.getMessage());
    }

    @Test
    void helpersTemplatesRelyOn() {
        ChatTemplate helpers = new ChatTemplate(
                "{% set ns = namespace(last='') %}{% for m in messages %}{% if loop.last %}{% set ns.last = m.content.strip() %}"
                        + "{% endif %}{% endfor %}[{{ ns.last }}]{{ ' x ' | trim }}{{ {'name': 'f', 'args': [1, 'é']} | tojson }}"
                        + "{{ '\\t' }}{{ strftime_now('%Y') }}{{ eos_token }}\n",
                Optional.empty(), Optional.of("</s>"));
        assertEquals("[last]x{\"name\": \"f\", \"args\": [1, \"é\"]}\t" + LocalDate.now().getYear() + "</s>",
                helpers.render(List.of(ChatMessage.user("first"), ChatMessage.user("  last \n"))));
    }

    @Test
    void pythonStringMethodsBehaveAsInPython() {
        // Expected text: Python Jinja2 rendering the same template (booleans tested, not printed:
        // Jinjava prints them in lower case).
        ChatTemplate methods = new ChatTemplate("{% set c = messages[0].content %}"
                + "{% if c.startswith('<think>') %}T{% endif %}|{% if c.endswith(('x', '</p>')) %}T{% endif %}|"
                + "{{ c.split('</think>')[-1].lstrip('\\n') }}|{{ c.upper() }}|{{ 'a  b c '.split() }}|"
                + "{{ 'a-b-c'.split('-', 1) }}|{{ 'xxhixx'.strip('x') }}|{{ 'hello world'.title() }}|"
                + "{{ 'aXb'.replace('X', '-') }}|{{ ', '.join(['a', 'b']) }}|{{ 'banana'.count('an') }}|"
                + "{{ 'HeLLo'.capitalize() }}|{{ 'abc'.find('c') }}|{{ messages[0].role[0] }}{{ messages[0].role[-1] }}",
                Optional.empty(), Optional.empty());
        assertEquals("T|T|Answer</p>|<THINK>HMM</THINK>\n\nANSWER</P>|['a', 'b', 'c']|['a', 'b-c']|hi|Hello World|a-b|a, b|2|Hello|2|at",
                methods.render(List.of(new ChatMessage("assistant", "<think>hmm</think>\n\nAnswer</p>"))));
    }

    @Test
    void aListOfNamedTemplatesGivesTheDefaultOne(@org.junit.jupiter.api.io.TempDir Path directory) throws IOException {
        Files.writeString(directory.resolve("tokenizer_config.json"),
                "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"tools\"},"
                        + " {\"name\": \"default\", \"template\": \"{{ messages[0].content }}!\"}]}");
        assertEquals("hi!", ChatTemplate.fromModelDirectory(directory).orElseThrow().render(List.of(ChatMessage.user("hi"))));
    }
}
