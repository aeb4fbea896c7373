package io.sppo4j.model.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.sppo4j.model.decoder.Decoder;
import io.sppo4j.model.decoder.DecoderConfig;
import io.sppo4j.model.decoder.ParameterSource;
import io.sppo4j.model.decoder.Projection;
import io.sppo4j.model.decoder.SeededParameters;
import io.sppo4j.model.nd.Precision;

import java.nio.file.Path;
import java.util.LinkedHashMap;

/**
 * A {@link Decoder} with a head, in the layout of a Hugging Face directory: what causal language
 * models and reward models share. Its weights come from a checkpoint or a seed
 * ({@link WeightsOrigin}); either way it can be saved as a directory {@code transformers} loads.
 */
abstract class DecoderModel implements HfModel {

    /** Declares a model's head on top of its decoder. */
    @FunctionalInterface
    interface HeadDeclaration {
        Projection declare(ParameterSource parameters, ConfigJson config, Decoder decoder);
    }

    private final NDManager manager;
    private final Decoder decoder;
    private final ParameterSource parameters;
    private final Projection head;
    private final HfModelDirectory layout;

    /**
     * Builds into {@code manager}, which the model then owns and closes (also when building fails).
     *
     * @throws IllegalArgumentException when the architecture's head is not {@code expected}
     */
    DecoderModel(WeightsOrigin origin, NDManager manager, Precision precision, HfArchitecture.Head expected,
            HeadDeclaration headDeclaration) {
        this.manager = manager;
        try {
            ConfigJson config;
            HfArchitecture architecture;
            String prefix;
            float dropout;
            if (origin instanceof WeightsOrigin.Read read) {
                HfModelDirectory checkpoint = read.checkpoint();
                config = checkpoint.config();
                architecture = checkpoint.architecture();
                String base = architecture.family().basePrefix();
                // transformers also accepts a bare decoder's names (GPT-2's hub files say "wte.weight").
                prefix = checkpoint.tensors().keySet().stream().anyMatch(name -> name.startsWith(base)) ? base : "";
                parameters = new HfParameters(checkpoint, manager, precision.storage());
                dropout = 0f;
            } else {
                WeightsOrigin.Seeded seeded = (WeightsOrigin.Seeded) origin;
                Path file = Path.of(HfModelDirectory.INITIALISED, HfModelDirectory.CONFIG_FILE);
                config = ConfigJson.parse(seeded.configJson(), file);
                architecture = HfArchitecture.of(config.firstString("architectures"), file);
                prefix = architecture.family().basePrefix();
                double uniformStd = seeded.asTransformers() ? config.optionalDouble("initializer_range", 0.02) : 0;
                parameters = new SeededParameters(manager, precision.storage(), seeded.seed(), uniformStd);
                dropout = seeded.dropout();
            }
            if (architecture.head() != expected) {
                throw new IllegalArgumentException(config.file().getParent() + ": " + architecture.className()
                        + (expected == HfArchitecture.Head.LANGUAGE_MODEL
                                ? " is not a causal language model (load it with HfModels.loadReward)"
                                : " is not a sequence-classification (reward) model (load it with HfModels.loadCausal)"));
            }
            DecoderConfig decoderConfig = architecture.family().decoder(config, prefix).withDropout(dropout);
            decoder = new Decoder(decoderConfig, parameters, precision.compute());
            head = headDeclaration.declare(parameters, config, decoder);
            layout = parameters instanceof HfParameters read
                    ? read.finishLoading()
                    : HfModelDirectory.initialised(((WeightsOrigin.Seeded) origin).configJson(), parameters.named().keySet(),
                            ((WeightsOrigin.Seeded) origin).savedAs());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    final Decoder decoder() {
        return decoder;
    }

    /** The output head or score head. */
    final Projection head() {
        return head;
    }

    @Override
    public final HfArchitecture architecture() {
        return layout.architecture();
    }

    @Override
    public final HfModelDirectory checkpoint() {
        return layout;
    }

    @Override
    public final LinkedHashMap<String, Parameter> namedParameters() {
        return parameters.named();
    }

    /** Whether every parameter records gradients. */
    public final void setTrainable(boolean trainable) {
        parameters.setTrainable(trainable);
    }

    /** Longest sequence (cached + new positions) the model runs. */
    public final int contextLength() {
        return decoder.config().contextLength();
    }

    @Override
    public final Device device() {
        return manager.getDevice();
    }

    public final NDManager manager() {
        return manager;
    }

    @Override
    public final void close() {
        manager.close();
    }
}
