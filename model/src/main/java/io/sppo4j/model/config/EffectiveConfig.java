package io.sppo4j.model.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loads the effective configuration: {@code --set} overrides, then the given files (a later
 * file wins), then every module's {@code reference.conf}. A key under {@code sppo4j} that no
 * reference.conf declares is refused at start, with the key's path and where it was written,
 * so a typo never silently falls back to a default.
 */
public final class EffectiveConfig {

    /** Root of every sppo4j key. */
    public static final String ROOT = "sppo4j";

    private EffectiveConfig() {}

    /**
     * @param files HOCON files, lowest precedence first
     * @param overrides {@code key=value} pairs, each value parsed as HOCON (numbers, booleans,
     *     strings, lists)
     */
    public static Config load(List<Path> files, List<String> overrides) {
        Config reference = ConfigFactory.defaultReference();
        Config merged = ConfigFactory.empty();
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("configuration file not found: " + file);
            }
            Config parsed = ConfigFactory.parseFile(
                    file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF));
            merged = parsed.withFallback(merged);
        }
        for (String override : overrides) {
            merged = parseOverride(override).withFallback(merged);
        }
        rejectUnknownKeys(merged, reference);
        Config resolved = merged.withFallback(reference).resolve(ConfigResolveOptions.defaults());
        resolved.checkValid(reference, ROOT);
        return resolved;
    }

    /** The built-in defaults alone. */
    public static Config defaults() {
        return load(List.of(), List.of());
    }

    static Config parseOverride(String override) {
        int equals = override.indexOf('=');
        if (equals <= 0) {
            throw new IllegalArgumentException("--set expects key=value, got '" + override + "'");
        }
        String key = override.substring(0, equals).trim();
        String value = override.substring(equals + 1).trim();
        try {
            return ConfigFactory.parseString(
                    key + " = " + value, ConfigParseOptions.defaults().setOriginDescription("--set " + key));
        } catch (ConfigException.Parse e) {
            // An unquoted value HOCON cannot parse (e.g. a path with ':') is taken as a string.
            return ConfigFactory.parseMap(Map.of(key, value), "--set " + key);
        }
    }

    /**
     * Fails on the first key under {@link #ROOT} that the reference does not declare. Sections
     * the reference declares as empty objects ({@code {}}) accept any keys: they are free-form.
     */
    static void rejectUnknownKeys(Config user, Config reference) {
        if (!user.hasPath(ROOT)) {
            return;
        }
        TreeSet<String> unknown = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> entry : user.withOnlyPath(ROOT).entrySet()) {
            String path = entry.getKey();
            if (!declared(reference, path)) {
                unknown.add(path);
            }
        }
        if (!unknown.isEmpty()) {
            String first = unknown.first();
            String origin = user.getValue(first).origin().description();
            throw new IllegalArgumentException(
                    "unknown configuration key '" + first + "' (" + origin + ")"
                            + (unknown.size() > 1 ? "; also unknown: " + unknown.tailSet(first, false) : "")
                            + ". Every key is listed with its default in the modules' reference.conf.");
        }
    }

    private static boolean declared(Config reference, String path) {
        if (reference.hasPathOrNull(path)) {
            return true;
        }
        // Walk up to the nearest declared ancestor: an empty object there is a free-form section.
        String parent = path;
        while (parent.contains(".")) {
            parent = parent.substring(0, parent.lastIndexOf('.'));
            if (reference.hasPathOrNull(parent)) {
                ConfigValue value = reference.getValue(parent);
                return value instanceof com.typesafe.config.ConfigObject object && object.isEmpty();
            }
        }
        return false;
    }
}
