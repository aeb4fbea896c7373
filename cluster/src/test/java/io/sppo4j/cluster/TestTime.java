package io.sppo4j.cluster;

import java.time.Duration;

/**
 * Limits of the waits in multi-JVM tests, scaled by one project-wide factor: Pekko's
 * {@code pekko.test.timefactor} (a system property, e.g. {@code mvn test
 * -Dpekko.test.timefactor=3} on a slow or crowded machine), which Pekko's test kit reads too.
 * Tests await conditions; a limit only bounds how long a broken build takes to fail, so limits
 * are generous and never a product timing check (those are benchmarks).
 */
public final class TestTime {

    public static final double FACTOR = factor();

    private TestTime() {}

    public static Duration scaled(Duration limit) {
        return Duration.ofMillis(Math.round(limit.toMillis() * FACTOR));
    }

    public static Duration seconds(long seconds) {
        return scaled(Duration.ofSeconds(seconds));
    }

    private static double factor() {
        String value = System.getProperty("pekko.test.timefactor", "1");
        try {
            double factor = Double.parseDouble(value);
            if (factor >= 1) {
                return factor;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("pekko.test.timefactor must be a number of at least 1, got '" + value + "'");
    }
}
