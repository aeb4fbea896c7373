package io.sppo4j.cluster.node;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.model.checkpoint.CheckpointFencedException;
import io.sppo4j.model.checkpoint.CommitGuard;
import io.sppo4j.model.checkpoint.DurableFiles;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learner's right to write the shared checkpoint directory, recorded in the directory
 * itself: a lease file ({@value #LEASE_FILE}: generation, owner, heartbeat count) changed only
 * under a POSIX lock on {@value #LOCK_FILE}. Each learner that takes the directory over raises
 * the generation, so a learner cut off or frozen while another took over holds a stale
 * generation; every checkpoint is renamed into place under the same lock only after the file is
 * checked to still name this learner's generation (the fence is checked at write time, not at
 * start). Committed checkpoints are appended to {@value #JOURNAL_FILE} (generation, owner,
 * step), so anyone can check afterwards that no two learners ever wrote.
 *
 * <p>POSIX locks belong to a process, not to a thread or an object, so a JVM has one fence per
 * directory ({@link #forDirectory}) and one learner-role node per directory. The storage must
 * honour {@code fcntl} locks across the machines that share it (a local disk, NFSv4, CephFS).
 */
public final class CheckpointFence implements CommitGuard {

    static final String LEASE_FILE = "learner.lease";
    static final String LOCK_FILE = "learner.lock";
    static final String JOURNAL_FILE = "learner.journal";

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointFence.class);
    private static final Map<Path, CheckpointFence> BY_DIRECTORY = new ConcurrentHashMap<>();
    /** POSIX locks do not exclude threads of one process: one critical section per directory and JVM at a time. */
    private static final Map<Path, Object> MONITORS = new ConcurrentHashMap<>();
    /** How often a held lock is tried again while another process holds it (a critical section is milliseconds). */
    private static final Duration LOCK_RETRY = Duration.ofMillis(20);

    /** What the lease file says: the generation, its owner ("" when released) and its heartbeat count. */
    record Holder(long generation, String owner, long beat) {

        static final Holder NONE = new Holder(0, "", 0);

        boolean free() {
            return owner.isEmpty();
        }

        String text() {
            return "generation=" + generation + "\nowner=" + owner + "\nbeat=" + beat + "\n";
        }

        static Holder parse(String text, Path file) throws IOException {
            Map<String, String> fields = new HashMap<>();
            for (String line : text.split("\n")) {
                int equals = line.indexOf('=');
                if (equals > 0) {
                    fields.put(line.substring(0, equals), line.substring(equals + 1));
                }
            }
            try {
                return new Holder(Long.parseLong(fields.get("generation")), fields.getOrDefault("owner", ""),
                        Long.parseLong(fields.get("beat")));
            } catch (RuntimeException e) {
                throw new IOException(file + ": not a learner lease (generation, owner, beat): '" + text.strip() + "'", e);
            }
        }
    }

    private final Path directory;
    /** This JVM's monotonic clock in nanoseconds: silences and beats are timed on it, never against another machine's. */
    private final LongSupplier nanoTime;
    private final Object critical;
    private final AtomicLong refusedCommits = new AtomicLong();
    /** Told when this JVM's hold is found superseded. */
    private volatile Runnable onLost = () -> {};
    /** This JVM's hold: the owner and generation it took, or null. */
    private volatile Holder held;
    /** The hold was given up: no more heartbeats, but commits until a successor raises the generation. */
    private volatile boolean released;
    private volatile long lastBeatNanos;
    /** The contender's view: the lease as last read, and when (on this JVM's clock) it last changed. */
    private Holder lastSeen;
    private long lastChangeNanos;

    /** A fence of its own (tests play two learners in one JVM); nodes use {@link #forDirectory}. */
    CheckpointFence(Path directory) {
        this(directory, System::nanoTime);
    }

    /** A fence that times silences and beats on {@code nanoTime} (tests move time on by hand). */
    CheckpointFence(Path directory, LongSupplier nanoTime) {
        this.directory = directory.toAbsolutePath().normalize();
        this.nanoTime = nanoTime;
        this.critical = MONITORS.computeIfAbsent(this.directory, key -> new Object());
    }

    /** This JVM's fence of {@code directory}. */
    public static CheckpointFence forDirectory(Path directory) {
        return BY_DIRECTORY.computeIfAbsent(directory.toAbsolutePath().normalize(), CheckpointFence::new);
    }

    public Path directory() {
        return directory;
    }

    /** Checkpoint saves refused because this JVM no longer held the directory. */
    public long refusedCommits() {
        return refusedCommits.get();
    }

    /** The generation this JVM holds, or empty. */
    public Optional<Long> heldGeneration() {
        Holder hold = held;
        return hold == null || released ? Optional.empty() : Optional.of(hold.generation());
    }

    /**
     * Reads the lease and notes whether it changed since the last read; a contender calls this
     * regularly so that its own clock tells how long a holder has been silent (no clock is
     * compared across machines).
     */
    synchronized Holder observe() throws IOException {
        Holder now = read();
        long nanos = nanoTime.getAsLong();
        if (!now.equals(lastSeen)) {
            lastSeen = now;
            lastChangeNanos = nanos;
        }
        return now;
    }

    /**
     * Takes the directory for {@code owner} if it is free, already {@code owner}'s, or its holder
     * has not beaten for {@code silence} as this JVM observed it; raises the generation.
     *
     * @return whether {@code owner} holds it now
     */
    boolean tryAcquire(String owner, Duration silence, Runnable lost) throws IOException {
        return locked(() -> {
            Holder current = observe();
            if (current.owner().equals(owner) && held != null && held.generation() == current.generation()) {
                return true;
            }
            long silentNanos;
            synchronized (this) {
                silentNanos = nanoTime.getAsLong() - lastChangeNanos;
            }
            if (!current.free() && silentNanos < silence.toNanos()) {
                return false;
            }
            if (!current.free()) {
                LOG.warn("taking the checkpoint directory {} over from {} (generation {}), silent for {} ms",
                        directory, current.owner(), current.generation(), silentNanos / 1_000_000);
            }
            Holder taken = new Holder(current.generation() + 1, owner, 0);
            write(taken);
            onLost = lost;
            held = taken;
            released = false;
            lastBeatNanos = nanoTime.getAsLong();
            LOG.info("learner {} holds the checkpoint directory {} as generation {}", owner, directory, taken.generation());
            return true;
        });
    }

    /**
     * The holder's heartbeat: counts up in the lease file if it still names this hold.
     *
     * @return false when another learner has taken the directory over (this hold is then dropped)
     */
    boolean beat() throws IOException {
        return locked(() -> {
            Holder hold = held;
            if (hold == null) {
                return false;
            }
            Holder current = observe();
            if (current.generation() != hold.generation() || !current.owner().equals(hold.owner())) {
                lose(hold, current);
                return false;
            }
            Holder next = new Holder(current.generation(), current.owner(), current.beat() + 1);
            write(next);
            synchronized (this) {
                lastSeen = next;
                lastChangeNanos = nanoTime.getAsLong();
            }
            lastBeatNanos = nanoTime.getAsLong();
            return true;
        });
    }

    /** Whether {@code owner} holds the directory and beat within {@code timeout}. */
    boolean holds(String owner, Duration timeout) {
        return heldBy(owner) && nanoTime.getAsLong() - lastBeatNanos < timeout.toNanos();
    }

    boolean heldBy(String owner) {
        Holder hold = held;
        return hold != null && !released && hold.owner().equals(owner);
    }

    /** Drops {@code owner}'s hold without touching the file (it could not beat for the timeout) and says so. */
    void abandon(String owner, String why) {
        Holder hold = held;
        if (hold != null && hold.owner().equals(owner)) {
            lose(hold, why);
        }
    }

    /**
     * Gives the directory up if {@code owner} still holds it. The generation stays, so the
     * released learner may still commit (its hand-over checkpoint, written as it stops) until a
     * successor takes the directory and raises it.
     */
    boolean release(String owner) throws IOException {
        return locked(() -> {
            Holder hold = held;
            if (hold == null || released || !hold.owner().equals(owner)) {
                return false;
            }
            released = true;
            Holder current = read();
            if (current.generation() == hold.generation() && current.owner().equals(owner)) {
                write(new Holder(current.generation(), "", current.beat()));
                LOG.info("learner {} released the checkpoint directory {} (generation {})", owner, directory, hold.generation());
                return true;
            }
            return false;
        });
    }

    /**
     * Runs a checkpoint's rename into place only while this JVM's hold is the one the lease file
     * names, under the directory's lock, and records it in the journal.
     */
    @Override
    public void commit(long step, Change change) throws IOException {
        locked(() -> {
            Holder hold = held;
            Holder current = read();
            boolean mine = hold != null && current.generation() == hold.generation()
                    && (current.owner().equals(hold.owner()) || current.free() && released);
            if (!mine) {
                refusedCommits.incrementAndGet();
                if (hold != null) {
                    lose(hold, current);
                }
                throw new CheckpointFencedException("checkpoint at step " + step + " refused: "
                        + (hold == null ? "this node does not hold " + directory
                                : "generation " + hold.generation() + " of " + hold.owner() + " was superseded")
                        + "; " + directory.resolve(LEASE_FILE) + " names generation " + current.generation()
                        + (current.free() ? " (released)" : " of " + current.owner()));
            }
            change.run();
            String line = "generation=" + hold.generation() + " owner=" + hold.owner() + " step=" + step
                    + " time=" + Instant.now() + "\n";
            Files.writeString(directory.resolve(JOURNAL_FILE), line, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
            return null;
        });
    }

    private void lose(Holder hold, Holder current) {
        lose(hold, "generation " + hold.generation() + " was superseded by generation " + current.generation()
                + " of " + (current.free() ? "nobody (released)" : current.owner()));
    }

    private void lose(Holder hold, String why) {
        if (held == hold && !released) {
            released = true;
            LOG.error("learner {} lost the checkpoint directory {}: {}", hold.owner(), directory, why);
            onLost.run();
        }
    }

    /** {@code sppo_checkpoint_fence_refused_total} and {@code sppo_checkpoint_fence_generation} on {@code registry}. */
    public void registerMetrics(PrometheusRegistry registry) {
        CounterWithCallback.builder().name("sppo_checkpoint_fence_refused_total")
                .help("Checkpoint saves refused because another learner had taken the checkpoint directory over.")
                .callback(callback -> callback.call(refusedCommits.get())).register(registry);
        GaugeWithCallback.builder().name("sppo_checkpoint_fence_generation")
                .help("Generation of the checkpoint directory this node's learner holds; 0 when it holds none.")
                .callback(callback -> callback.call(heldGeneration().orElse(0L))).register(registry);
    }

    private Holder read() throws IOException {
        Path file = directory.resolve(LEASE_FILE);
        try {
            return Holder.parse(Files.readString(file, StandardCharsets.UTF_8), file);
        } catch (NoSuchFileException e) {
            return Holder.NONE;
        }
    }

    /** Replaces the lease file in one rename, on disk before it is relied on. */
    private void write(Holder holder) throws IOException {
        Path temp = directory.resolve(LEASE_FILE + ".next");
        Files.deleteIfExists(temp);
        byte[] bytes = holder.text().getBytes(StandardCharsets.UTF_8);
        DurableFiles.writeSynced(temp, out -> out.write(bytes));
        DurableFiles.moveAtomically(temp, directory.resolve(LEASE_FILE));
        DurableFiles.syncDirectory(directory);
    }

    @FunctionalInterface
    private interface Critical<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code body} holding this JVM's monitor and the directory's POSIX lock; the lock is
     * held for a rename or two, so waiting long for it means another process froze holding it.
     */
    private <T> T locked(Critical<T> body) throws IOException {
        synchronized (critical) {
            Files.createDirectories(directory);
            try (FileChannel channel = FileChannel.open(directory.resolve(LOCK_FILE),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = lock(channel);
                try (lock) {
                    return body.run();
                }
            }
        }
    }

    private FileLock lock(FileChannel channel) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        FileLock lock;
        while ((lock = channel.tryLock()) == null) {
            if (System.nanoTime() > deadline) {
                throw new IOException(directory.resolve(LOCK_FILE) + " has been locked by another process for 30 s");
            }
            sleep(LOCK_RETRY);
        }
        return lock;
    }

    private static void sleep(Duration duration) throws IOException {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the checkpoint directory's lock");
        }
    }
}
