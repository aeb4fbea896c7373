package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sppo train} prints its memory ledger at start and refuses, with the figures, what cannot fit. */
class MemoryLedgerCommandTest {

    @TempDir
    Path dir;

    @Test
    void trainRefusesAtOnceNamingTheShortDeviceAndEveryItem() {
        Path out = dir.resolve("refused");
        CliRun.Result result = CliRun.run("train", "--json", "--out", out.toString(),
                "--set", "sppo4j.memory.host-limit=64m", "--set", "sppo4j.learner.device=cpu",
                "--set", "sppo4j.rollout.device=cpu");
        assertNotEquals(0, result.code(), "a run that cannot fit must not start");
        String err = result.err();
        assertTrue(err.contains("not enough memory: cpu needs") && err.contains("0.06 GiB available"), err);
        for (String item : new String[] {"learner", "AdamW moments", "gradients", "rollout 0", "KV cache", "evaluator"}) {
            assertTrue(err.contains(item), "the ledger names " + item + ": " + err);
        }
        assertFalse(Files.exists(out.resolve("reference")), "refused before the SFT of the reference started");
    }
}
