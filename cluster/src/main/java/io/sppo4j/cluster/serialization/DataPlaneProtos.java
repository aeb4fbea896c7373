package io.sppo4j.cluster.serialization;

import io.sppo4j.actors.WeightCache;
import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.data.RolloutGroup;
import io.sppo4j.actors.data.Sample;
import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.model.weights.TensorSpec;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.proto.RolloutLogRecord;
import io.sppo4j.proto.WeightOffer;
import io.sppo4j.proto.WeightSnapshotHeader;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Maps the data-plane records the actors speak to their {@code sppo4j.v1} protobuf schema and
 * back. Actor code never sees generated classes; this is the only place that knows both.
 *
 * <p>Reading checks each message's {@code schema_version} ({@link WireSchema}) and the shape of
 * what the schema cannot express (a K×K matrix as K² values); everything else the records'
 * canonical constructors validate, exactly as for a locally built record.
 */
public final class DataPlaneProtos {

    private DataPlaneProtos() {}

    // ---- rollout groups ----

    public static io.sppo4j.proto.RolloutGroup toProto(RolloutGroup group) {
        io.sppo4j.proto.RolloutGroup.Builder builder = io.sppo4j.proto.RolloutGroup.newBuilder()
                .setSchemaVersion(WireSchema.ROLLOUT_GROUP)
                .setCreditId(group.creditId())
                .setPrompt(group.prompt())
                .setVersion(group.version())
                .setWorker(group.worker())
                .setSampledAtMillis(group.sampledAtMillis())
                .setSamplingMillis(group.samplingMillis());
        // Element by element: addAll would box every token.
        for (int token : group.promptTokens()) {
            builder.addPromptTokens(token);
        }
        for (Sample sample : group.samples()) {
            builder.addSamples(toProto(sample));
        }
        return builder.build();
    }

    public static RolloutGroup fromProto(io.sppo4j.proto.RolloutGroup proto) {
        WireSchema.check("sppo4j.v1.RolloutGroup", proto.getSchemaVersion(), WireSchema.ROLLOUT_GROUP);
        int[] promptTokens = new int[proto.getPromptTokensCount()];
        for (int i = 0; i < promptTokens.length; i++) {
            promptTokens[i] = proto.getPromptTokens(i);
        }
        List<Sample> samples = new ArrayList<>(proto.getSamplesCount());
        for (io.sppo4j.proto.Sample sample : proto.getSamplesList()) {
            samples.add(fromProto(sample));
        }
        return new RolloutGroup(proto.getCreditId(), proto.getPrompt(), promptTokens, samples, proto.getVersion(),
                proto.getWorker(), proto.getSampledAtMillis(), proto.getSamplingMillis());
    }

    static io.sppo4j.proto.Sample toProto(Sample sample) {
        io.sppo4j.proto.Sample.Builder builder = io.sppo4j.proto.Sample.newBuilder()
                .setText(sample.text())
                .setPolicyLogProb(sample.policyLogProb())
                .setSamplingLogProb(sample.samplingLogProb())
                .setFromMixture(sample.fromMixture());
        for (int token : sample.tokens()) {
            builder.addTokens(token);
        }
        return builder.build();
    }

    static Sample fromProto(io.sppo4j.proto.Sample proto) {
        int[] tokens = new int[proto.getTokensCount()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = proto.getTokens(i);
        }
        return new Sample(tokens, proto.getText(), proto.getPolicyLogProb(), proto.getSamplingLogProb(),
                proto.getFromMixture());
    }

    // ---- judged groups ----

    /**
     * @throws IllegalArgumentException if a row of the preference matrix is not K long (the
     *     record checks only the row count; the wire carries a K×K matrix)
     */
    public static io.sppo4j.proto.JudgedGroup toProto(JudgedGroup judged) {
        double[][] preferences = judged.preferences();
        int k = preferences.length;
        io.sppo4j.proto.JudgedGroup.Builder builder = io.sppo4j.proto.JudgedGroup.newBuilder()
                .setSchemaVersion(WireSchema.JUDGED_GROUP)
                .setGroup(toProto(judged.group()))
                .setK(k)
                .setCyclicTriadShare(judged.cyclicTriadShare())
                .setJudge(judged.judge());
        for (int i = 0; i < k; i++) {
            if (preferences[i].length != k) {
                throw new IllegalArgumentException("judged group of credit " + judged.group().creditId()
                        + ": preference row " + i + " has " + preferences[i].length + " values, expected " + k);
            }
            for (double value : preferences[i]) {
                builder.addPreferences(value);
            }
        }
        for (double winRate : judged.winRates()) {
            builder.addWinRates(winRate);
        }
        return builder.build();
    }

    public static JudgedGroup fromProto(io.sppo4j.proto.JudgedGroup proto) {
        WireSchema.check("sppo4j.v1.JudgedGroup", proto.getSchemaVersion(), WireSchema.JUDGED_GROUP);
        if (!proto.hasGroup()) {
            throw new IllegalArgumentException("sppo4j.v1.JudgedGroup without its group");
        }
        RolloutGroup group = fromProto(proto.getGroup());
        long k = Integer.toUnsignedLong(proto.getK());
        if (k != group.size() || proto.getPreferencesCount() != k * k) {
            throw new IllegalArgumentException("sppo4j.v1.JudgedGroup of credit " + group.creditId() + ": k=" + k
                    + " with " + proto.getPreferencesCount() + " preferences for " + group.size() + " samples");
        }
        int size = (int) k;
        double[][] preferences = new double[size][size];
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                preferences[i][j] = proto.getPreferences(i * size + j);
            }
        }
        double[] winRates = new double[proto.getWinRatesCount()];
        for (int i = 0; i < winRates.length; i++) {
            winRates[i] = proto.getWinRates(i);
        }
        return new JudgedGroup(group, preferences, winRates, proto.getCyclicTriadShare(), proto.getJudge());
    }

    // ---- rollout log ----

    public static RolloutLogRecord logRecord(JudgedGroup judged, long learnerVersion, long loggedAtMillis) {
        return RolloutLogRecord.newBuilder()
                .setSchemaVersion(WireSchema.ROLLOUT_LOG_RECORD)
                .setJudged(toProto(judged))
                .setLearnerVersion(learnerVersion)
                .setLoggedAtMillis(loggedAtMillis)
                .build();
    }

    /** Checks the record's schema version; the judged group is read with {@link #fromProto(io.sppo4j.proto.JudgedGroup)}. */
    public static void checkLogRecord(RolloutLogRecord record) {
        WireSchema.check("sppo4j.v1.RolloutLogRecord", record.getSchemaVersion(), WireSchema.ROLLOUT_LOG_RECORD);
        if (!record.hasJudged()) {
            throw new IllegalArgumentException("sppo4j.v1.RolloutLogRecord without its judged group");
        }
    }

    // ---- weights ----

    public static WeightSnapshotHeader toProto(SnapshotHeader header) {
        WeightSnapshotHeader.Builder builder = WeightSnapshotHeader.newBuilder()
                .setSchemaVersion(WireSchema.WEIGHT_SNAPSHOT_HEADER)
                .setVersion(header.version())
                .setEncoding(toProto(header.encoding()))
                .setChecksum(header.checksum());
        for (TensorSpec tensor : header.tensors()) {
            io.sppo4j.proto.TensorHeader.Builder tensorBuilder = io.sppo4j.proto.TensorHeader.newBuilder()
                    .setName(tensor.name())
                    .setDtype(toProto(tensor.dtype()));
            for (long dim : tensor.shape()) {
                tensorBuilder.addShape(dim);
            }
            builder.addTensors(tensorBuilder);
        }
        return builder.build();
    }

    public static SnapshotHeader fromProto(WeightSnapshotHeader proto) {
        WireSchema.check("sppo4j.v1.WeightSnapshotHeader", proto.getSchemaVersion(), WireSchema.WEIGHT_SNAPSHOT_HEADER);
        List<TensorSpec> tensors = new ArrayList<>(proto.getTensorsCount());
        for (io.sppo4j.proto.TensorHeader tensor : proto.getTensorsList()) {
            long[] shape = new long[tensor.getShapeCount()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = tensor.getShape(i);
            }
            tensors.add(sizedSpec(tensor.getName(), fromProto(tensor.getDtype(), tensor.getDtypeValue(), tensor.getName()), shape));
        }
        return new SnapshotHeader(proto.getVersion(), fromProto(proto.getEncoding(), proto.getEncodingValue()),
                proto.getChecksum(), tensors);
    }

    /**
     * A receiver sizes each offered tensor from its shape before the bytes arrive: refuse a shape
     * whose size is no number of bytes at all (a negative dimension, a product past a long) here,
     * at decoding and naming the tensor, rather than as a crash of the weight cache that would act on it.
     */
    private static TensorSpec sizedSpec(String name, TensorDType dtype, long[] shape) {
        try {
            TensorSpec spec = new TensorSpec(name, dtype, shape); // refuses a negative dimension
            spec.byteSize();
            return spec;
        } catch (ArithmeticException overflow) {
            throw new IllegalArgumentException("tensor '" + name + "' of shape " + java.util.Arrays.toString(shape)
                    + " has more bytes than a long counts", overflow);
        } catch (IllegalArgumentException badShape) {
            throw new IllegalArgumentException("tensor '" + name + "': " + badShape.getMessage(), badShape);
        }
    }

    /** @param source the offering cache in {@link org.apache.pekko.actor.typed.ActorRefResolver} format, "" for none */
    public static WeightOffer toProto(WeightCache.Offer offer, String source) {
        return WeightOffer.newBuilder()
                .setSchemaVersion(WireSchema.WEIGHT_OFFER)
                .setHeader(toProto(offer.header()))
                .setStep(offer.step())
                .setLast(offer.last())
                .setTransferHost(offer.host())
                .setTransferPort(offer.port())
                .setSource(source)
                .build();
    }

    /** @param source the offering cache, resolved from {@link WeightOffer#getSource()} by the caller */
    public static WeightCache.Offer fromProto(WeightOffer proto, ActorRef<WeightCache.Command> source) {
        WireSchema.check("sppo4j.v1.WeightOffer", proto.getSchemaVersion(), WireSchema.WEIGHT_OFFER);
        if (!proto.hasHeader()) {
            throw new IllegalArgumentException("sppo4j.v1.WeightOffer without its snapshot header");
        }
        return new WeightCache.Offer(fromProto(proto.getHeader()), proto.getStep(), proto.getLast(),
                proto.getTransferHost(), proto.getTransferPort(), source);
    }

    // ---- enums: explicit tables, so renaming a Java constant cannot change the wire ----

    static io.sppo4j.proto.TensorDType toProto(TensorDType dtype) {
        return switch (dtype) {
            case F32 -> io.sppo4j.proto.TensorDType.TENSOR_DTYPE_F32;
            case BF16 -> io.sppo4j.proto.TensorDType.TENSOR_DTYPE_BF16;
            case F16 -> io.sppo4j.proto.TensorDType.TENSOR_DTYPE_F16;
            case I64 -> io.sppo4j.proto.TensorDType.TENSOR_DTYPE_I64;
        };
    }

    static TensorDType fromProto(io.sppo4j.proto.TensorDType dtype, int number, String tensor) {
        return switch (dtype) {
            case TENSOR_DTYPE_F32 -> TensorDType.F32;
            case TENSOR_DTYPE_BF16 -> TensorDType.BF16;
            case TENSOR_DTYPE_F16 -> TensorDType.F16;
            case TENSOR_DTYPE_I64 -> TensorDType.I64;
            case TENSOR_DTYPE_UNSPECIFIED, UNRECOGNIZED -> throw new IllegalArgumentException(
                    "tensor '" + tensor + "': unknown dtype " + number + " on the wire");
        };
    }

    static io.sppo4j.proto.TensorEncoding toProto(TensorEncoding encoding) {
        return switch (encoding) {
            case FP32 -> io.sppo4j.proto.TensorEncoding.TENSOR_ENCODING_FP32;
            case BF16 -> io.sppo4j.proto.TensorEncoding.TENSOR_ENCODING_BF16;
        };
    }

    static TensorEncoding fromProto(io.sppo4j.proto.TensorEncoding encoding, int number) {
        return switch (encoding) {
            case TENSOR_ENCODING_FP32 -> TensorEncoding.FP32;
            case TENSOR_ENCODING_BF16 -> TensorEncoding.BF16;
            case TENSOR_ENCODING_UNSPECIFIED, UNRECOGNIZED -> throw new IllegalArgumentException(
                    "weight snapshot header: unknown tensor encoding " + number + " on the wire");
        };
    }
}
