package io.sppo4j.model.tokenizer;

import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StrftimeTest {

    private static final LocalDateTime TIME = LocalDateTime.of(2024, 7, 6, 15, 4, 5);

    @Test
    void pythonDirectivesFormatAsInPython() {
        assertEquals("06 Jul 2024", Strftime.format("%d %b %Y", TIME), "Llama-3.1's 'Today Date'");
        assertEquals("Saturday, July 06 24 15:04:05 03PM day 188 100%",
                Strftime.format("%A, %B %d %y %H:%M:%S %I%p day %j 100%%", TIME));
    }

    @Test
    void anUnknownDirectiveFailsNamingIt() {
        assertEquals("strftime_now: unsupported directive %Q in '%Q'",
                assertThrows(IllegalArgumentException.class, () -> Strftime.format("%Q", TIME)).getMessage());
    }
}
