package io.sppo4j.model.tokenizer;

import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;

/**
 * Python's {@code strftime} directives over a Java time, for {@code strftime_now} in chat
 * templates (Llama-3.1 and later print "Today Date: 26 Jul 2024" with {@code "%d %b %Y"}).
 */
final class Strftime {

    private Strftime() {}

    static String format(String pattern, TemporalAccessor time) {
        StringBuilder out = new StringBuilder(pattern.length() + 16);
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 == pattern.length()) {
                out.append(c);
                continue;
            }
            char directive = pattern.charAt(++i);
            switch (directive) {
                case 'Y' -> out.append(time.get(ChronoField.YEAR));
                case 'y' -> out.append(two(time.get(ChronoField.YEAR) % 100));
                case 'm' -> out.append(two(time.get(ChronoField.MONTH_OF_YEAR)));
                case 'd' -> out.append(two(time.get(ChronoField.DAY_OF_MONTH)));
                case 'H' -> out.append(two(time.get(ChronoField.HOUR_OF_DAY)));
                case 'I' -> out.append(two(time.get(ChronoField.CLOCK_HOUR_OF_AMPM)));
                case 'M' -> out.append(two(time.get(ChronoField.MINUTE_OF_HOUR)));
                case 'S' -> out.append(two(time.get(ChronoField.SECOND_OF_MINUTE)));
                case 'p' -> out.append(time.get(ChronoField.AMPM_OF_DAY) == 0 ? "AM" : "PM");
                case 'j' -> out.append(String.format(Locale.ROOT, "%03d", time.get(ChronoField.DAY_OF_YEAR)));
                case 'b' -> out.append(java.time.Month.of(time.get(ChronoField.MONTH_OF_YEAR))
                        .getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> out.append(java.time.Month.of(time.get(ChronoField.MONTH_OF_YEAR))
                        .getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> out.append(java.time.DayOfWeek.of(time.get(ChronoField.DAY_OF_WEEK))
                        .getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> out.append(java.time.DayOfWeek.of(time.get(ChronoField.DAY_OF_WEEK))
                        .getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case '%' -> out.append('%');
                default -> throw new IllegalArgumentException(
                        "strftime_now: unsupported directive %" + directive + " in '" + pattern + "'");
            }
        }
        return out.toString();
    }

    private static String two(int value) {
        return value < 10 ? "0" + value : Integer.toString(value);
    }
}
