package io.sppo4j.cluster.cli;

import ai.djl.Device;
import com.typesafe.config.Config;
import io.sppo4j.model.nd.Devices;

import picocli.CommandLine.Option;

/** {@code --device}, over {@code sppo4j.rollout.device}: where a command runs the models it samples from. */
final class DeviceOption {

    private static final String KEY = "sppo4j.rollout.device";

    @Option(names = "--device", paramLabel = "DEVICE",
            description = "auto, cpu, gpu or gpu:N (default: sppo4j.rollout.device, itself auto).")
    String device;

    Device resolve(Config config) {
        return device != null ? Devices.parse(device, "--device") : Devices.parse(config.getString(KEY), KEY);
    }
}
