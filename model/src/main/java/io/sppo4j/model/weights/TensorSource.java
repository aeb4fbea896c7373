package io.sppo4j.model.weights;

import java.io.IOException;
import java.util.List;

/**
 * Tensors handed over one at a time, in a fixed order, so that a whole model never has to be in
 * memory at once: the live parameters of a model, an optimiser's moments, a weight snapshot, a
 * safetensors file. The specs are known up front, because file and wire headers come first.
 */
public interface TensorSource {

    /** Every tensor's name, dtype and shape, in the order {@link #forEach} visits them. */
    List<TensorSpec> specs();

    /**
     * Visits each tensor in {@link #specs()} order. A visited tensor's bytes may be a view of
     * memory that is reused or freed after its visit returns: copy what must outlive it.
     */
    void forEach(Visitor visitor) throws IOException;

    /** Bytes of all tensors together. */
    default long byteSize() {
        long total = 0;
        for (TensorSpec spec : specs()) {
            total = Math.addExact(total, spec.byteSize());
        }
        return total;
    }

    /** Tensors already in memory, in list order. */
    static TensorSource of(List<NamedTensor> tensors) {
        return new TensorList(tensors);
    }

    /**
     * Tensors made one at a time by {@code producer}, which must visit exactly {@code specs}, in
     * order: random or computed weights written without holding them all.
     */
    static TensorSource streamed(List<TensorSpec> specs, Producer producer) {
        List<TensorSpec> fixed = List.copyOf(specs);
        return new TensorSource() {
            @Override
            public List<TensorSpec> specs() {
                return fixed;
            }

            @Override
            public void forEach(Visitor visitor) throws IOException {
                producer.produce(visitor);
            }
        };
    }

    /** Hands each tensor of a {@link #streamed} source to the visitor, in spec order. */
    @FunctionalInterface
    interface Producer {
        void produce(Visitor visitor) throws IOException;
    }

    /** What is done with each tensor. */
    @FunctionalInterface
    interface Visitor {
        void visit(NamedTensor tensor) throws IOException;
    }
}
