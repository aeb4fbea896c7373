package io.sppo4j.model.weights;

import java.io.IOException;
import java.util.List;

/** A {@link TensorSource} over tensors already in memory; equal when the tensors are (names, types, shapes, bytes). */
public record TensorList(List<NamedTensor> tensors) implements TensorSource {

    public TensorList {
        tensors = List.copyOf(tensors);
    }

    @Override
    public List<TensorSpec> specs() {
        return tensors.stream().map(NamedTensor::spec).toList();
    }

    @Override
    public void forEach(Visitor visitor) throws IOException {
        for (NamedTensor tensor : tensors) {
            visitor.visit(tensor);
        }
    }
}
