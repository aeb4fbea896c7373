package io.sppo4j.actors;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.util.List;

/**
 * Teaches Jackson (the stand-in serializer of these tests) to write and read a
 * {@link WeightSnapshot}: its fields out, its checksum-verifying factory back in. The model
 * module stays free of serialization annotations; the cluster module's serializers replace this.
 */
public final class SnapshotJacksonModule extends SimpleModule {

    public SnapshotJacksonModule() {
        super("sppo4j-snapshot");
        setMixInAnnotation(WeightSnapshot.class, WeightSnapshotMixin.class);
    }

    @JsonAutoDetect(
            fieldVisibility = JsonAutoDetect.Visibility.ANY,
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
    }
}
