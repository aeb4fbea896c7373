package io.sppo4j.model.config;

import com.typesafe.config.Config;

/**
 * Typed reads of one configuration section that name the full key in every error, including
 * range checks the HOCON types cannot express.
 */
public final class ConfigReader {

    private final Config root;
    private final String section;

    /** @param section dotted path of the section, e.g. {@code sppo4j.policy} */
    public ConfigReader(Config root, String section) {
        this.root = root;
        this.section = section;
        root.getConfig(section); // fails early, naming the section, if it is missing or not an object
    }

    public String path(String key) {
        return section + "." + key;
    }

    public int positiveInt(String key) {
        int value = root.getInt(path(key));
        check(value > 0, key, "must be positive, got " + value);
        return value;
    }

    public int nonNegativeInt(String key) {
        int value = root.getInt(path(key));
        check(value >= 0, key, "must be >= 0, got " + value);
        return value;
    }

    public long getLong(String key) {
        return root.getLong(path(key));
    }

    public double getDouble(String key) {
        return root.getDouble(path(key));
    }

    public float floatIn(String key, double min, double max) {
        return (float) doubleIn(key, min, max);
    }

    public double doubleIn(String key, double min, double max) {
        double value = root.getDouble(path(key));
        check(value >= min && value <= max, key, "must be in [" + min + ", " + max + "], got " + value);
        return value;
    }

    public boolean getBoolean(String key) {
        return root.getBoolean(path(key));
    }

    public String getString(String key) {
        return root.getString(path(key));
    }

    /** One of {@code type}'s constants, written in any case; an error lists the choices. */
    public <E extends Enum<E>> E choice(String key, Class<E> type) {
        String value = getString(key);
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value.trim())) {
                return constant;
            }
        }
        java.util.List<String> names = java.util.Arrays.stream(type.getEnumConstants())
                .map(constant -> constant.name().toLowerCase(java.util.Locale.ROOT)).toList();
        check(false, key, "expected " + String.join(" or ", names) + ", got '" + value + "'");
        throw new AssertionError("unreachable");
    }

    public ConfigReader section(String key) {
        return new ConfigReader(root, section + "." + key);
    }

    /** Throws an error naming the key and its origin unless {@code condition} holds. */
    public void check(boolean condition, String key, String message) {
        if (!condition) {
            throw new IllegalArgumentException(
                    path(key) + ": " + message + " (" + root.getValue(path(key)).origin().description() + ")");
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
