package io.sppo4j.model.config;

import com.typesafe.config.Config;

/**
 * Typed reads of one configuration section that name the full key in every error, including
 * range checks the HOCON types cannot express.
 */
public final class ConfigReader {

    private final Config root;
    private final Config config;
    private final String section;

    /** @param section dotted path of the section, e.g. {@code sppo4j.policy} */
    public ConfigReader(Config root, String section) {
        this.root = root;
        this.config = root.getConfig(section);
        this.section = section;
    }

    public String path(String key) {
        return section + "." + key;
    }

    public int positiveInt(String key) {
        int value = config.getInt(key);
        check(value > 0, key, "must be positive, got " + value);
        return value;
    }

    public int nonNegativeInt(String key) {
        int value = config.getInt(key);
        check(value >= 0, key, "must be >= 0, got " + value);
        return value;
    }

    public long getLong(String key) {
        return config.getLong(key);
    }

    public double getDouble(String key) {
        return config.getDouble(key);
    }

    public float floatIn(String key, double min, double max) {
        double value = config.getDouble(key);
        check(value >= min && value <= max, key, "must be in [" + min + ", " + max + "], got " + value);
        return (float) value;
    }

    public boolean getBoolean(String key) {
        return config.getBoolean(key);
    }

    public String getString(String key) {
        return config.getString(key);
    }

    public ConfigReader section(String key) {
        return new ConfigReader(root, section + "." + key);
    }

    /** Throws an error naming the key and its origin unless {@code condition} holds. */
    public void check(boolean condition, String key, String message) {
        if (!condition) {
            throw new IllegalArgumentException(
                    path(key) + ": " + message + " (" + config.getValue(key).origin().description() + ")");
        }
    }

    /** Runs a constructor whose own validation throws, prefixing errors with the section. */
    public <T> T build(java.util.function.Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(section + ": " + e.getMessage(), e);
        }
    }
}
