package io.sppo4j.cluster.serialization;

import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link WeightSnapshot} (in {@code WeightCache.Publish} and {@code Update}, which stay on
 * their node in a run but must survive {@code serialize-messages}): version, encoding, each
 * tensor's name, dtype, shape and bytes, then the checksum. Read back with the checksum the
 * sender claimed and verified at once, so damaged weights are refused here rather than loaded.
 */
final class WeightSnapshotSerializer extends Serializer<WeightSnapshot> {

    WeightSnapshotSerializer() {
        super(false, true); // null is handled by Kryo around it; snapshots are immutable
    }

    @Override
    public void write(Kryo kryo, Output output, WeightSnapshot snapshot) {
        output.writeVarLong(snapshot.version(), false);
        kryo.writeObject(output, snapshot.encoding());
        output.writeVarInt(snapshot.tensors().size(), true);
        for (NamedTensor tensor : snapshot.tensors()) {
            Utf8StringSerializer.writeString(output, tensor.name());
            kryo.writeObject(output, tensor.dtype());
            kryo.writeObject(output, tensor.shape());
            kryo.writeObject(output, tensor.data());
        }
        output.writeInt(snapshot.checksum());
    }

    @Override
    public WeightSnapshot read(Kryo kryo, Input input, Class<? extends WeightSnapshot> type) {
        long version = input.readVarLong(false);
        TensorEncoding encoding = kryo.readObject(input, TensorEncoding.class);
        // A tensor takes at least 4 bytes: name, dtype, shape and data lengths.
        int count = WireLimits.checkLength(input, input.readVarInt(true), 4, "weight snapshot tensors");
        List<NamedTensor> tensors = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = Utf8StringSerializer.readString(input, "tensor name");
            TensorDType dtype = kryo.readObject(input, TensorDType.class);
            long[] shape = kryo.readObject(input, long[].class);
            byte[] data = kryo.readObject(input, byte[].class);
            tensors.add(new NamedTensor(name, dtype, shape, data));
        }
        int checksum = input.readInt();
        WeightSnapshot snapshot = WeightSnapshot.withClaimedChecksum(version, encoding, tensors, checksum);
        snapshot.verify(); // CorruptSnapshotException names the version and both checksums
        return snapshot;
    }
}
