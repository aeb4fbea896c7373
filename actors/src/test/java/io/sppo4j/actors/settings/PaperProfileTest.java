package io.sppo4j.actors.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.typesafe.config.Config;
import io.sppo4j.model.config.EffectiveConfig;
import io.sppo4j.model.optim.RmsPropConfig;
import io.sppo4j.model.train.Algorithm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** config/sppo-paper.conf loads (every key known to some reference.conf) and says what the paper does. */
class PaperProfileTest {

    private static Path profile() {
        Path fromModule = Path.of("..", "config", "sppo-paper.conf");
        return Files.isRegularFile(fromModule) ? fromModule : Path.of("config", "sppo-paper.conf");
    }

    @Test
    void theProfileLoadsWithOnlyKnownKeysAndHoldsTheOfficialSettings() {
        // Settings.load refuses any key no reference.conf declares, naming it.
        Config config = EffectiveConfig.load(List.of(profile()), List.of());
        AlgorithmConfig algorithm = AlgorithmConfig.from(config);
        assertEquals(Algorithm.SPPO_PAIR, algorithm.algorithm());
        assertEquals(1000f, algorithm.eta());
        assertEquals(WinRate.OFFICIAL, algorithm.winRate());
        assertEquals("pairrm", config.getString("sppo4j.judge.type"));
        Schedule schedule = Schedule.from(config);
        assertEquals(new Schedule(Schedule.Kind.ITERATIONS, 3, 20000, 1, true), schedule);
        assertEquals(5, RolloutSettings.from(config).groupSize());
        assertEquals(0.7, config.getDouble("sppo4j.sampling.temperature"), 1e-9);
        assertEquals(0.9, config.getDouble("sppo4j.sampling.top-p"), 1e-9);
        LearnerSettings learner = LearnerSettings.from(config);
        assertEquals(new RmsPropConfig(5e-7f, 0.99f, 1e-8f, 0f, 1f), assertInstanceOf(RmsPropConfig.class, learner.optimizer()));
        assertEquals(64, learner.groupsPerStep());
        // Each iteration: 313 steps of 64 groups, a linear decay after a warm-up of 10% (rounded up).
        assertEquals(LearnerSettings.Decay.LINEAR, learner.decay());
        assertEquals(313, learner.plannedSteps(schedule));
        assertEquals(32, learner.warmupUpdates(schedule));
    }
}
