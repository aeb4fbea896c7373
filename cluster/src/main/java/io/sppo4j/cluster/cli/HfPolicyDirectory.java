package io.sppo4j.cluster.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.hf.LoraSetup;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.tokenizer.ChatTemplate;
import io.sppo4j.model.tokenizer.HfTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A Hugging Face model directory as the commands use it: the causal model on a device, its
 * tokenizer and its chat template when it has one. Closing it frees the model and the tokenizer.
 *
 * @param option the command-line option that named the directory, for messages
 */
record HfPolicyDirectory(String option, Path directory, HfCausalModel model, HfTokenizer tokenizer,
        Optional<ChatTemplate> chatTemplate) implements AutoCloseable {

    static HfPolicyDirectory load(String option, Path directory, Device device) {
        return load(option, directory, LoraSetup.NONE, device);
    }

    /** As {@link #load(String, Path, Device)}, with {@code lora}'s adapter applied to the model. */
    static HfPolicyDirectory load(String option, Path directory, LoraSetup lora, Device device) {
        HfTokenizer tokenizer = null;
        try {
            tokenizer = HfTokenizer.load(directory);
            Optional<ChatTemplate> template = ChatTemplate.fromModelDirectory(directory);
            HfCausalModel model = HfModels.loadCausal(directory, NDManager.newBaseManager(device), device, Precision.FP32, lora);
            model.setTrainable(false);
            return new HfPolicyDirectory(option, directory, model, tokenizer, template);
        } catch (IOException e) {
            closeQuietly(tokenizer);
            throw new UncheckedIOException(option + ": cannot load " + directory + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            closeQuietly(tokenizer);
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    /** The model's chat template, or an error naming the directory that has none. */
    ChatTemplate requireChatTemplate() {
        return chatTemplate.orElseThrow(() -> new IllegalArgumentException(option + ": " + directory
                + " has no chat template (tokenizer_config.json 'chat_template'); drop --chat to use the prompt as raw text"));
    }

    private static void closeQuietly(HfTokenizer tokenizer) {
        if (tokenizer != null) {
            tokenizer.close();
        }
    }

    @Override
    public void close() {
        try {
            model.close();
        } finally {
            tokenizer.close();
        }
    }
}
