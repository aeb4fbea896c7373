package io.sppo4j.actors;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.util.List;

/**
 * Teaches Jackson (the stand-in serializer of these tests) to write and read a
 * {@link WeightSnapshot}: its version, encoding, tensors and checksum out, its factory back in
 * (a new snapshot in native memory, its checksum checked where it is loaded). The model module
 * stays free of serialization annotations; the cluster module's serializers replace this.
 */
public final class SnapshotJacksonModule extends SimpleModule {

    public SnapshotJacksonModule() {
        super("sppo4j-snapshot");
        setMixInAnnotation(WeightSnapshot.class, WeightSnapshotMixin.class);
        setMixInAnnotation(NamedTensor.class, NamedTensorMixin.class);
    }

    @JsonAutoDetect(
            fieldVisibility = JsonAutoDetect.Visibility.NONE,
            getterVisibility = JsonAutoDetect.Visibility.NONE,
            isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    abstract static class WeightSnapshotMixin {
        @JsonCreator
        static WeightSnapshot withClaimedChecksum(
                @JsonProperty("version") long version,
                @JsonProperty("encoding") TensorEncoding encoding,
                @JsonProperty("tensors") List<NamedTensor> tensors,
                @JsonProperty("checksum") int checksum) {
            throw new AssertionError("mix-in only");
        }

        @JsonProperty("version")
        abstract long version();

        @JsonProperty("encoding")
        abstract TensorEncoding encoding();

        @JsonProperty("tensors")
        abstract List<NamedTensor> tensors();

        @JsonProperty("checksum")
        abstract int checksum();
    }

    @JsonAutoDetect(
            fieldVisibility = JsonAutoDetect.Visibility.NONE,
            getterVisibility = JsonAutoDetect.Visibility.NONE,
            isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    abstract static class NamedTensorMixin {
        @JsonCreator
        NamedTensorMixin(
                @JsonProperty("name") String name,
                @JsonProperty("dtype") TensorDType dtype,
                @JsonProperty("shape") long[] shape,
                @JsonProperty("data") byte[] data) {}

        @JsonProperty("name")
        abstract String name();

        @JsonProperty("dtype")
        abstract TensorDType dtype();

        @JsonProperty("shape")
        abstract long[] shape();

        @JsonProperty("data")
        abstract byte[] data();
    }
}
