package io.sppo4j.cluster.serialization;

import io.sppo4j.model.weights.IncomingSnapshot;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.TensorSpec;
import io.sppo4j.model.weights.WeightSnapshot;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link WeightSnapshot} (in {@code WeightCache.Publish} and {@code Update}, which stay on
 * their node in a run but must survive {@code serialize-messages}): version, encoding, checksum,
 * each tensor's name, dtype and shape, then the tensors' bytes back to back. The bytes move
 * between the snapshot's native memory and the message a bounded chunk at a time; read back, they
 * land in a new snapshot's native memory, whose checksum is verified at once, so damaged weights
 * are refused here rather than loaded.
 */
final class WeightSnapshotSerializer extends Serializer<WeightSnapshot> {

    private static final int CHUNK = 1 << 16;

    WeightSnapshotSerializer() {
        super(false, true); // null is handled by Kryo around it; snapshots are immutable
    }

    @Override
    public void write(Kryo kryo, Output output, WeightSnapshot snapshot) {
        output.writeVarLong(snapshot.version(), false);
        kryo.writeObject(output, snapshot.encoding());
        output.writeInt(snapshot.checksum());
        List<NamedTensor> tensors = snapshot.tensors();
        output.writeVarInt(tensors.size(), true);
        for (NamedTensor tensor : tensors) {
            Utf8StringSerializer.writeString(output, tensor.name());
            kryo.writeObject(output, tensor.dtype());
            kryo.writeObject(output, tensor.shape());
        }
        byte[] chunk = new byte[CHUNK];
        for (NamedTensor tensor : tensors) {
            ByteBuffer bytes = tensor.bytes();
            while (bytes.hasRemaining()) {
                int length = Math.min(chunk.length, bytes.remaining());
                bytes.get(chunk, 0, length);
                output.writeBytes(chunk, 0, length);
            }
        }
    }

    @Override
    public WeightSnapshot read(Kryo kryo, Input input, Class<? extends WeightSnapshot> type) {
        long version = input.readVarLong(false);
        TensorEncoding encoding = kryo.readObject(input, TensorEncoding.class);
        int checksum = input.readInt();
        // A tensor header takes at least 3 bytes: name length, dtype and shape length.
        int count = WireLimits.checkLength(input, input.readVarInt(true), 3, "weight snapshot tensors");
        List<TensorSpec> specs = new ArrayList<>(count);
        long total = 0;
        for (int i = 0; i < count; i++) {
            String name = Utf8StringSerializer.readString(input, "tensor name");
            TensorDType dtype = kryo.readObject(input, TensorDType.class);
            long[] shape = kryo.readObject(input, long[].class);
            TensorSpec spec;
            try {
                spec = new TensorSpec(name, dtype, shape);
                total = Math.addExact(total, spec.byteSize());
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new KryoException("weight snapshot tensor '" + name + "': " + e.getMessage(), e);
            }
            specs.add(spec);
        }
        // Native memory is allocated for what the header claims: believed only if the message holds it.
        WireLimits.checkLength(input, total > Integer.MAX_VALUE ? -1 : (int) total, 1, "weight snapshot bytes");
        IncomingSnapshot incoming;
        try {
            incoming = new IncomingSnapshot(version, encoding, specs, checksum);
        } catch (IllegalArgumentException e) {
            throw new KryoException(e.getMessage(), e);
        }
        try {
            byte[] chunk = new byte[CHUNK];
            for (int i = 0; i < specs.size(); i++) {
                ByteBuffer target = incoming.buffer(i);
                while (target.hasRemaining()) {
                    int length = Math.min(chunk.length, target.remaining());
                    input.readBytes(chunk, 0, length);
                    target.put(chunk, 0, length);
                }
            }
        } catch (RuntimeException e) {
            incoming.close();
            throw e;
        }
        return incoming.complete(); // CorruptSnapshotException names the version and both checksums
    }
}
