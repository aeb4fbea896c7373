package io.sppo4j.cluster.cli;

import io.sppo4j.model.hf.LoraSetup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --adapter}: a {@code peft} LoRA adapter run on the {@code --policy} base, as {@code train} saves it in {@code OUT/adapter}. */
final class AdapterOption {

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "A peft LoRA adapter applied to the --policy base (rank, alpha and target modules from its adapter_config.json).")
    Path adapter;

    /** How the policy is loaded: plain, or with the adapter merged into its weights. */
    LoraSetup setup() {
        if (adapter == null) {
            return LoraSetup.NONE;
        }
        try {
            return LoraSetup.inference(adapter);
        } catch (IOException e) {
            throw new UncheckedIOException("--adapter: cannot read " + adapter + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--adapter: " + e.getMessage(), e);
        }
    }
}
