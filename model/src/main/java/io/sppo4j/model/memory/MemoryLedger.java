package io.sppo4j.model.memory;

import ai.djl.Device;
import io.sppo4j.model.nd.Devices;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What every role of a process expects to hold, item by item and device by device, against
 * what the devices have: printed at start, and a refusal with the figures when it cannot fit,
 * instead of an out-of-memory error an hour later.
 */
public final class MemoryLedger {

    /** One item a role holds (weights, gradients, a KV cache, ...). */
    public record Line(String role, String item, Device device, long bytes) {}

    private final List<Line> lines = new ArrayList<>();

    /** Adds {@code bytes} that {@code role} holds on {@code device}; zero-byte items are left out. */
    public MemoryLedger add(String role, String item, Device device, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException(role + " " + item + ": negative size " + bytes);
        }
        if (bytes > 0) {
            lines.add(new Line(role, item, device, bytes));
        }
        return this;
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    /** Bytes expected on each device, in first-mentioned order. */
    public Map<Device, Long> totals() {
        Map<Device, Long> totals = new LinkedHashMap<>();
        for (Line line : lines) {
            totals.merge(line.device(), line.bytes(), Long::sum);
        }
        return totals;
    }

    /** The ledger as a table, one line per item and a total per device against what it has. */
    public String render(Map<Device, Long> available) {
        StringBuilder text = new StringBuilder("memory ledger (expected peak per role):\n");
        for (Line line : lines) {
            text.append(String.format(Locale.ROOT, "  %-10s %-44s %-6s %10s%n",
                    line.role(), line.item(), Devices.describe(line.device()), gib(line.bytes())));
        }
        for (Map.Entry<Device, Long> total : totals().entrySet()) {
            Long has = available.get(total.getKey());
            text.append(String.format(Locale.ROOT, "  total on %-6s %10s of %s available%n",
                    Devices.describe(total.getKey()), gib(total.getValue()), has == null ? "?" : gib(has)));
        }
        return text.toString();
    }

    /**
     * @param available bytes each device can still give this process
     * @throws InsufficientMemoryException naming every device that cannot fit its total, with the ledger
     */
    public void requireFits(Map<Device, Long> available) {
        List<String> short_ = new ArrayList<>();
        for (Map.Entry<Device, Long> total : totals().entrySet()) {
            Long has = available.get(total.getKey());
            if (has != null && total.getValue() > has) {
                short_.add(String.format(Locale.ROOT, "%s needs %s but has %s available",
                        Devices.describe(total.getKey()), gib(total.getValue()), gib(has)));
            }
        }
        if (!short_.isEmpty()) {
            throw new InsufficientMemoryException("not enough memory: " + String.join("; ", short_)
                    + ". Lower the batch (rollout.groups-per-batch, learner.groups-per-step, eval.batch-size),"
                    + " sampling.max-new-tokens or the model, use dtype = bf16, or move a role to another node.\n"
                    + render(available));
        }
    }

    /** Bytes as GiB with two decimals. */
    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
