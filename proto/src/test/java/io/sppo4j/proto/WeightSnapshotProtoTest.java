package io.sppo4j.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class WeightSnapshotProtoTest {

    @Test
    void roundTripsThroughBytes() throws Exception {
        WeightSnapshot snapshot = WeightSnapshot.newBuilder()
                .setSchemaVersion(1)
                .setVersion(42)
                .addTensors(NamedTensor.newBuilder()
                        .setName("wte.weight")
                        .setDtype(TensorDType.TENSOR_DTYPE_F32)
                        .addShape(2)
                        .addShape(3)
                        .setData(ByteString.copyFrom(new byte[24])))
                .setChecksum(0xDEADBEEF)
                .build();
        WeightSnapshot parsed = WeightSnapshot.parseFrom(snapshot.toByteArray());
        assertEquals(snapshot, parsed);
        assertEquals(0xDEADBEEF, parsed.getChecksum());
    }
}
