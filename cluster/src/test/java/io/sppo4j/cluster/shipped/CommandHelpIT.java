package io.sppo4j.cluster.shipped;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.cluster.cli.SppoCli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --help} of every command of the shipped jar, found by walking the jar's own help (the
 * "Commands:" section of each level), so that a new command is covered without editing this
 * test; the walk must find exactly the command tree of the code the jar was built from.
 */
class CommandHelpIT {

    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    @Test
    void everyCommandOfTheJarPrintsItsHelp() throws Exception {
        Set<String> found = new TreeSet<>();
        List<String> level = List.of("");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            while (!level.isEmpty()) {
                List<Future<ShippedJar.Result>> helps = new ArrayList<>();
                for (String path : level) {
                    List<String> args = new ArrayList<>(path.isEmpty() ? List.of() : List.of(path.split(" ")));
                    args.add("--help");
                    helps.add(pool.submit(() -> ShippedJar.run(dir, TIMEOUT, ShippedJar.launcher(args.toArray(String[]::new)))));
                }
                List<String> next = new ArrayList<>();
                for (int i = 0; i < level.size(); i++) {
                    String path = level.get(i);
                    ShippedJar.Result help = helps.get(i).get();
                    assertEquals(0, help.code(), help.describe());
                    // picocli's own help command prints its description before the usage line.
                    assertTrue(("\n" + help.out()).contains("\nUsage: sppo" + (path.isEmpty() ? "" : " " + path) + " "), help.out());
                    assertTrue(help.err().isBlank(), "nothing on stderr: " + help.describe());
                    for (String command : commands(help.out())) {
                        String child = path.isEmpty() ? command : path + " " + command;
                        found.add(child);
                        next.add(child);
                    }
                }
                level = next;
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(commandTree(new CommandLine(new SppoCli()), ""), found,
                "the jar's commands are the code's commands");
        assertTrue(found.containsAll(List.of("train", "generate", "score", "eval", "node", "bench generate")), found.toString());
    }

    @Test
    void theJarNamesItsVersion() throws Exception {
        ShippedJar.Result version = ShippedJar.run(dir, TIMEOUT, ShippedJar.launcher("--version"));
        assertEquals(0, version.code(), version.describe());
        assertTrue(version.out().startsWith("sppo4j "), version.out());
    }

    /** The names listed under "Commands:" (two spaces, a name, then its description or a line break). */
    private static List<String> commands(String help) {
        List<String> names = new ArrayList<>();
        boolean inCommands = false;
        for (String line : help.split("\n")) {
            if (line.equals("Commands:")) {
                inCommands = true;
            } else if (inCommands && line.matches("  \\S.*")) {
                names.add(line.strip().split("\\s+")[0]);
            } else if (inCommands && !line.startsWith("   ")) {
                inCommands = false;
            }
        }
        return names;
    }

    private static Set<String> commandTree(CommandLine command, String path) {
        Set<String> names = new TreeSet<>();
        command.getSubcommands().forEach((name, sub) -> {
            if (sub.getCommandSpec().name().equals(name)) {
                String child = path.isEmpty() ? name : path + " " + name;
                names.add(child);
                names.addAll(commandTree(sub, child));
            }
        });
        return names;
    }
}
