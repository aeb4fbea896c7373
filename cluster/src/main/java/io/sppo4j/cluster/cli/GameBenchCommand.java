package io.sppo4j.cluster.cli;

import com.typesafe.config.Config;
import io.sppo4j.cluster.bench.GameBenchmark;
import io.sppo4j.model.task.game.BuiltinGames;
import io.sppo4j.model.task.game.PreferenceGame;
import io.sppo4j.model.train.Algorithm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "game",
        mixinStandardHelpOptions = true,
        description = {
            "Every method on a preference game with a known Nash equilibrium, through the real actors.",
            "Prints the equilibrium and, per method, the last and average policies with their exploitability."
        })
final class GameBenchCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @ArgGroup(exclusive = true)
    GameChoice choice;

    static final class GameChoice {
        @Option(names = "--game", description = "A built-in game (see --list; default rock-paper-scissors).")
        String name;

        @Option(names = "--matrix", paramLabel = "FILE", description = "A game from JSON: {\\\"responses\\\": [...], \\\"P\\\": [[...]]}.")
        Path matrix;
    }

    @Option(names = "--list", description = "List the built-in games and exit.")
    boolean list;

    @Option(names = "--algos", split = ",", description = "Methods to run (default: all).")
    List<String> algorithms = new ArrayList<>();

    @Option(names = "--steps", description = "Learner steps per method (default: sppo4j.bench.game.steps).")
    Integer steps;

    @Option(names = "--seed", description = "Seed of the policy and the sampling (default: sppo4j.seed).")
    Long seed;

    @Option(names = "--json", description = "Print the JSON summary as the last stdout line.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (list) {
            BuiltinGames.names().forEach(System.out::println);
            return 0;
        }
        Config config = configOptions.load();
        PreferenceGame game = choice != null && choice.matrix != null ? PreferenceGame.fromJson(choice.matrix)
                : BuiltinGames.get(choice != null && choice.name != null ? choice.name : "rock-paper-scissors");
        List<Algorithm> methods = algorithms.isEmpty() ? List.of(Algorithm.values())
                : algorithms.stream().map(name -> Algorithm.parse(name, "--algos")).toList();
        GameBenchmark.Budget budget = GameBenchmark.Budget.from(config);
        if (steps != null) {
            budget = budget.withSteps(steps);
        }
        long runSeed = seed != null ? seed : config.getLong("sppo4j.seed");
        System.err.printf("bench game: %s (%d responses), %d steps per method, K=%d%n",
                game.name(), game.size(), budget.steps(), budget.groupSize());
        Map<String, Object> result = new GameBenchmark(config, budget, runSeed)
                .run(game, methods, line -> System.err.println("bench game: " + line));
        if (json) {
            System.out.println(Json.line(result));
        }
        return 0;
    }
}
