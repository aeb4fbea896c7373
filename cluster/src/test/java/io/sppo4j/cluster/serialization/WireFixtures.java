package io.sppo4j.cluster.serialization;

import io.sppo4j.actors.JudgeWorker;
import io.sppo4j.actors.Learner;
import io.sppo4j.actors.Monitor;
import io.sppo4j.actors.Pipeline;
import io.sppo4j.actors.RolloutWorker;
import io.sppo4j.actors.WeightCache;
import io.sppo4j.actors.data.Credit;
import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.data.RolloutGroup;
import io.sppo4j.actors.data.Sample;
import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.model.weights.TensorSpec;
import io.sppo4j.actors.monitor.EvalRecord;
import io.sppo4j.actors.monitor.StepRecord;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Random instances of every message that may cross nodes, for property-style round trips:
 * sizes from empty to large, strings across Unicode (supplementary planes, combining marks, NUL),
 * floating point edge values (NaN, ±∞, -0.0, subnormals) wherever a type allows them.
 */
public final class WireFixtures {

    private final Random random;
    private final ActorTestKit testKit;

    public WireFixtures(long seed, ActorTestKit testKit) {
        this.random = new Random(seed);
        this.testKit = testKit;
    }

    /** A test ActorSystem's settings: Pekko's defaults with sppo4j's wire formats. */
    public static Config systemConfig() {
        return ConfigFactory.parseString("""
                        pekko.loglevel = WARNING
                        pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                        pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                        pekko.jvm-exit-on-fatal-error = off
                        """)
                .withFallback(ConfigFactory.parseResources("sppo4j-serialization.conf"))
                .withFallback(ConfigFactory.defaultReference())
                .resolve();
    }

    // ---- values ----

    public int size(int max) {
        // Empty and tiny sizes often, the maximum sometimes.
        return switch (random.nextInt(6)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> max;
            default -> random.nextInt(max + 1);
        };
    }

    public String text(int maxCodePoints) {
        int length = size(maxCodePoints);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.appendCodePoint(codePoint());
        }
        return text.toString();
    }

    private int codePoint() {
        return switch (random.nextInt(8)) {
            case 0 -> 0x20 + random.nextInt(0x5F); // printable ASCII
            case 1 -> random.nextInt(0x20); // controls, NUL included
            case 2 -> 0xA0 + random.nextInt(0x2000 - 0xA0); // Latin to Greek, combining marks
            case 3 -> 0x4E00 + random.nextInt(0x5000); // CJK
            case 4 -> 0x1F300 + random.nextInt(0x300); // emoji: surrogate pairs in UTF-16
            case 5 -> 0xE000 + random.nextInt(0x1000); // private use
            case 6 -> 0x10000 + random.nextInt(0x10FFFF - 0x10000); // any supplementary plane
            default -> "=0123456789".charAt(random.nextInt(11));
        };
    }

    public long anyLong() {
        return switch (random.nextInt(5)) {
            case 0 -> 0;
            case 1 -> Long.MIN_VALUE;
            case 2 -> Long.MAX_VALUE;
            case 3 -> -1 - random.nextInt(1000);
            default -> random.nextLong();
        };
    }

    public int anyInt() {
        return switch (random.nextInt(5)) {
            case 0 -> 0;
            case 1 -> Integer.MIN_VALUE;
            case 2 -> Integer.MAX_VALUE;
            case 3 -> -1 - random.nextInt(1000);
            default -> random.nextInt();
        };
    }

    public double anyDouble() {
        return switch (random.nextInt(10)) {
            case 0 -> Double.NaN;
            case 1 -> Double.POSITIVE_INFINITY;
            case 2 -> Double.NEGATIVE_INFINITY;
            case 3 -> -0.0;
            case 4 -> Double.MIN_VALUE;
            case 5 -> Double.longBitsToDouble(0x7ff8_0000_0000_0123L); // NaN with a payload
            default -> random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20);
        };
    }

    public float anyFloat() {
        return switch (random.nextInt(9)) {
            case 0 -> Float.NaN;
            case 1 -> Float.POSITIVE_INFINITY;
            case 2 -> Float.NEGATIVE_INFINITY;
            case 3 -> -0.0f;
            case 4 -> Float.MIN_VALUE;
            default -> (float) (random.nextGaussian() * 10);
        };
    }

    public int[] ints(int max) {
        int[] values = new int[size(max)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextInt(4) == 0 ? anyInt() : random.nextInt(50_000);
        }
        return values;
    }

    public long[] longs(int max) {
        long[] values = new long[size(max)];
        for (int i = 0; i < values.length; i++) {
            values[i] = anyLong();
        }
        return values;
    }

    public float[] floats(int max) {
        float[] values = new float[size(max)];
        for (int i = 0; i < values.length; i++) {
            values[i] = anyFloat();
        }
        return values;
    }

    public double[] doubles(int max) {
        double[] values = new double[size(max)];
        for (int i = 0; i < values.length; i++) {
            values[i] = anyDouble();
        }
        return values;
    }

    public double[][] matrix(int rows, int columns) {
        double[][] values = new double[rows][columns];
        for (double[] row : values) {
            for (int j = 0; j < columns; j++) {
                row[j] = anyDouble();
            }
        }
        return values;
    }

    public byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    public boolean anyBoolean() {
        return random.nextBoolean();
    }

    public <T> List<T> list(int max, Function<WireFixtures, T> element) {
        int size = size(max);
        List<T> list = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            list.add(element.apply(this));
        }
        return list;
    }

    public <T> ActorRef<T> ref() {
        return testKit.<T>createTestProbe().ref();
    }

    // ---- data plane ----

    public Sample sample() {
        return new Sample(ints(64), text(40), anyFloat(), anyFloat(), anyBoolean());
    }

    public RolloutGroup rolloutGroup() {
        return rolloutGroup(size(9));
    }

    public RolloutGroup rolloutGroup(int k) {
        List<Sample> samples = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            samples.add(sample());
        }
        return new RolloutGroup(anyLong(), text(30), ints(48), samples, anyLong(), text(12), anyLong(), anyLong());
    }

    public JudgedGroup judgedGroup() {
        RolloutGroup group = rolloutGroup();
        int k = group.size();
        double[] winRates = new double[k];
        for (int i = 0; i < k; i++) {
            winRates[i] = anyDouble();
        }
        return new JudgedGroup(group, matrix(k, k), winRates, anyDouble(), text(12));
    }

    public SnapshotHeader snapshotHeader() {
        List<TensorSpec> tensors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int count = size(12);
        for (int i = 0; i < count; i++) {
            String name = text(20) + "#" + i;
            names.add(name);
            long[] shape = new long[size(4)];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(4096);
            }
            tensors.add(new TensorSpec(name, TensorDType.values()[random.nextInt(TensorDType.values().length)], shape));
        }
        return new SnapshotHeader(anyLong(), TensorEncoding.values()[random.nextInt(2)], random.nextInt(), tensors);
    }

    public WeightSnapshot weightSnapshot() {
        TensorEncoding encoding = TensorEncoding.values()[random.nextInt(2)];
        List<NamedTensor> tensors = new ArrayList<>();
        int count = size(6);
        for (int i = 0; i < count; i++) {
            long[] shape = new long[size(3)];
            long elements = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = random.nextInt(6) == 0 ? 0 : 1 + random.nextInt(16);
                elements *= shape[d];
            }
            tensors.add(new NamedTensor(text(16) + "#" + i, encoding.dtype(), shape,
                    bytes((int) elements * encoding.dtype().bytes())));
        }
        return WeightSnapshot.of(anyLong(), encoding, tensors);
    }

    /** Every data-plane message type, one random instance each. */
    public List<Object> dataPlaneMessages() {
        return List.of(
                new JudgeWorker.Judge(rolloutGroup()),
                new Learner.GroupJudged(judgedGroup()),
                new WeightCache.Offer(snapshotHeader(), anyLong(), anyBoolean(), text(40), anyInt() & 0xFFFF, ref()));
    }

    // ---- control plane ----

    public StepRecord stepRecord() {
        return new StepRecord(anyLong(), anyLong(), anyDouble(), anyDouble(), anyLong(), anyDouble(), anyDouble(),
                anyDouble(), anyLong(), anyLong(), anyDouble(), anyLong(), anyLong());
    }

    public EvalRecord evalRecord() {
        return new EvalRecord(anyLong(), anyLong(), anyDouble(), anyDouble(), anyDouble(), anyDouble());
    }

    public Monitor.LearnerTotals totals() {
        return new Monitor.LearnerTotals(anyLong(), anyLong(), anyLong(), anyLong(), anyLong());
    }

    public Monitor.PolicyDistribution distribution() {
        return new Monitor.PolicyDistribution(anyLong(), doubles(20), doubles(20));
    }

    /** Every control-plane message type, one random instance each. */
    public List<Object> controlPlaneMessages() {
        return List.of(
                new RolloutWorker.Credits(list(20, f -> new Credit(f.anyLong(), f.text(30)))),
                new Learner.RequestCredits(ref(), anyInt()),
                new Learner.GroupFailed(anyLong(), text(60)),
                new Learner.ReturnCredits(list(30, WireFixtures::anyLong)),
                new Learner.GetStatus(ref()),
                new Learner.Status(anyLong(), anyLong(), anyLong(), anyInt(), anyInt(), anyLong(), anyLong(), anyBoolean()),
                new WeightCache.Publish(weightSnapshot(), anyLong(), anyBoolean()),
                new WeightCache.Subscribe(ref()),
                new WeightCache.GetLatestVersion(ref()),
                new WeightCache.LatestVersion(anyLong()),
                new WeightCache.Have(anyLong(), ref()),
                new WeightCache.Received(anyLong(), ref()),
                new WeightCache.Update(weightSnapshot(), anyLong(), anyBoolean()),
                new WeightCache.GetStatus(ref()),
                new WeightCache.Status(anyLong(), anyLong(), anyLong(), anyLong(), anyLong()),
                new Monitor.Stepped(stepRecord()),
                new Monitor.Evaluated(evalRecord()),
                new Monitor.LearnerFinished(totals()),
                totals(),
                new Monitor.LearnerFailed(text(80)),
                distribution(),
                new Monitor.GetReport(ref()),
                new Monitor.Report(list(10, WireFixtures::stepRecord), list(10, WireFixtures::evalRecord),
                        anyBoolean() ? totals() : null, anyBoolean() ? distribution() : null),
                new Pipeline.GetReport(ref()));
    }
}
