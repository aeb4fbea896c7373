package io.sppo4j.cluster.cli;

import com.typesafe.config.Config;
import io.sppo4j.model.config.EffectiveConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --config FILE} and {@code --set key=value}, shared by every command that reads settings. */
final class ConfigOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "HOCON profile(s) over the built-in defaults; a later file wins.")
    List<Path> files = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one key, e.g. --set sppo4j.sft.steps=200 (wins over files).")
    List<String> overrides = new ArrayList<>();

    /**
     * The effective configuration over {@code profile} (relative to {@code sppo4j.home}, the
     * repository the launcher lives in) when it exists, then the user's files and overrides,
     * then {@code extra}.
     */
    Config loadOver(String profile, String... extra) {
        Path file = Path.of(System.getProperty("sppo4j.home", ".")).resolve(profile);
        List<Path> all = new ArrayList<>();
        if (Files.isRegularFile(file)) {
            all.add(file);
        }
        all.addAll(files);
        List<String> settings = new ArrayList<>(overrides);
        settings.addAll(List.of(extra));
        return EffectiveConfig.load(all, settings);
    }

    /** The effective configuration, with {@code extra} overrides applied after the user's. */
    Config load(String... extra) {
        List<String> all = new ArrayList<>(overrides);
        all.addAll(List.of(extra));
        return EffectiveConfig.load(files, all);
    }
}
