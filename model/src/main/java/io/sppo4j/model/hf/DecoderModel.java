package io.sppo4j.model.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.sppo4j.model.decoder.Decoder;
import io.sppo4j.model.decoder.DecoderConfig;
import io.sppo4j.model.decoder.LoraAdapters;
import io.sppo4j.model.decoder.LoraConfig;
import io.sppo4j.model.decoder.ParameterSource;
import io.sppo4j.model.decoder.Projection;
import io.sppo4j.model.decoder.SeededParameters;
import io.sppo4j.model.nd.Precision;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Set;

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
    /** The LoRA adapters, or null for full fine-tuning. */
    private final LoraAdapters adapters;

    /**
     * Builds into {@code manager}, which the model then owns and closes (also when building fails).
     *
     * @param lora adapters on the decoder's projections ({@link LoraConfig#OFF} for none): the
     *     base is then frozen and kept in the compute type, and only the adapters train
     *
     * @throws IllegalArgumentException when the architecture's head is not {@code expected}
     */
    DecoderModel(WeightsOrigin origin, NDManager manager, Precision precision, HfArchitecture.Head expected,
            HeadDeclaration headDeclaration, LoraConfig lora) {
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
                parameters = new HfParameters(checkpoint, manager, baseStorage(precision, lora));
                dropout = 0f;
            } else {
                WeightsOrigin.Seeded seeded = (WeightsOrigin.Seeded) origin;
                Path file = Path.of(HfModelDirectory.INITIALISED, HfModelDirectory.CONFIG_FILE);
                config = ConfigJson.parse(seeded.configJson(), file);
                architecture = HfArchitecture.of(config.firstString("architectures"), file);
                prefix = architecture.family().basePrefix();
                double uniformStd = seeded.asTransformers() ? config.optionalDouble("initializer_range", 0.02) : 0;
                parameters = new SeededParameters(manager, baseStorage(precision, lora), seeded.seed(), uniformStd);
                dropout = seeded.dropout();
            }
            if (architecture.head() != expected) {
                throw new IllegalArgumentException(config.file().getParent() + ": " + architecture.className()
                        + (expected == HfArchitecture.Head.LANGUAGE_MODEL
                                ? " is not a causal language model (load it with HfModels.loadReward)"
                                : " is not a sequence-classification (reward) model (load it with HfModels.loadCausal)"));
            }
            DecoderConfig decoderConfig = architecture.family().decoder(config, prefix).withDropout(dropout);
            adapters = lora.enabled() ? new LoraAdapters(lora.withDefaultTargets(decoderConfig.layout()), manager) : null;
            parameters.adaptWith(adapters);
            decoder = new Decoder(decoderConfig, parameters, precision.compute());
            head = headDeclaration.declare(parameters, config, decoder);
            if (adapters != null) {
                if (adapters.isEmpty()) {
                    throw new IllegalArgumentException("sppo4j.lora.target-modules " + adapters.config().targetModules()
                            + " names no projection of " + architecture.className() + "; its projections are "
                            + LoraConfig.defaultTargets(decoderConfig.layout()));
                }
                parameters.setTrainable(false); // the base is frozen: no gradient is ever kept for it
            }
            layout = parameters instanceof HfParameters read
                    ? read.finishLoading()
                    : HfModelDirectory.initialised(((WeightsOrigin.Seeded) origin).configJson(), parameters.named().keySet(),
                            ((WeightsOrigin.Seeded) origin).savedAs());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** A frozen LoRA base is kept in the compute type (bfloat16 under mixed precision): it needs no float32 master. */
    private static DataType baseStorage(Precision precision, LoraConfig lora) {
        return lora.enabled() ? precision.compute() : precision.storage();
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

    /** The trained parameters: the adapters of a LoRA model, else every parameter. */
    @Override
    public final LinkedHashMap<String, Parameter> namedParameters() {
        return adapters != null ? adapters.named() : parameters.named();
    }

    @Override
    public final LinkedHashMap<String, Parameter> checkpointParameters() {
        return parameters.named();
    }

    @Override
    public final NDArray mergedWeight(String name) {
        return adapters == null ? null : adapters.mergedWeight(name);
    }

    @Override
    public final Set<String> adaptedWeights() {
        return adapters == null ? Set.of() : adapters.baseNames();
    }

    /** The LoRA adapters, or null for a fully trained model. */
    public final LoraAdapters adapters() {
        return adapters;
    }

    /**
     * Whether the trained parameters record gradients (a LoRA base never does). A LoRA copy that
     * does not train decodes with merged weights where {@link LoraConfig#mergeForDecoding} says so.
     */
    public final void setTrainable(boolean trainable) {
        if (adapters != null) {
            adapters.setTrainable(trainable);
            adapters.mergeForDecoding(!trainable && adapters.config().mergeForDecoding());
        } else {
            parameters.setTrainable(trainable);
        }
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
