package io.sppo4j.cluster.rolloutlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.cluster.cli.LogCommand;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sppo log}, run through picocli directly (SppoCli registers it). */
class LogCommandTest {

    @TempDir
    Path directory;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new LogCommand());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void catPrintsOneJsonLinePerRecordAcrossFiles() throws Exception {
        List<JudgedGroup> groups = RolloutLogTest.groups(12, 21);
        try (RolloutLogWriter writer = new RolloutLogWriter(
                new RolloutLogWriter.Settings(directory, 2048, Duration.ZERO), RolloutLogMetrics.unregistered())) {
            for (int i = 0; i < groups.size(); i++) {
                writer.accept(groups.get(i), 100 + i);
            }
        }
        List<Path> files = RolloutLogFiles.list(directory);
        assertTrue(files.size() > 1);
        String[] args = new String[files.size() + 1];
        args[0] = "cat";
        for (int i = 0; i < files.size(); i++) {
            args[i + 1] = files.get(i).toString();
        }
        Run result = run(args);
        assertEquals(0, result.code(), result.err());
        List<String> lines = result.out().lines().toList();
        assertEquals(groups.size(), lines.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonObject json = JsonParser.parseString(lines.get(i)).getAsJsonObject();
            JudgedGroup group = groups.get(i);
            for (String key : List.of("credit_id", "prompt", "version", "learner_version", "worker", "judge",
                    "win_rates", "preferences", "samples", "logged_at_millis")) {
                assertTrue(json.has(key), key + " in " + lines.get(i));
            }
            assertEquals(group.group().creditId(), json.get("credit_id").getAsLong());
            assertEquals(group.group().prompt(), json.get("prompt").getAsString());
            assertEquals(group.group().version(), json.get("version").getAsLong());
            assertEquals(100 + i, json.get("learner_version").getAsLong());
            assertEquals(group.judge(), json.get("judge").getAsString());
            JsonArray samples = json.getAsJsonArray("samples");
            assertEquals(group.group().size(), samples.size());
            assertEquals(group.group().size(), json.getAsJsonArray("preferences").size());
            for (int s = 0; s < samples.size(); s++) {
                JsonObject sample = samples.get(s).getAsJsonObject();
                assertEquals(group.group().samples().get(s).text(), sample.get("text").getAsString());
                assertEquals(group.group().samples().get(s).tokens().length, sample.getAsJsonArray("tokens").size());
                assertTrue(sample.has("policy_log_prob") && sample.has("sampling_log_prob"));
            }
        }
    }

    @Test
    void aTruncatedFileEndsWithAnErrorNamingFileAndRecord() throws Exception {
        try (RolloutLogWriter writer = new RolloutLogWriter(
                new RolloutLogWriter.Settings(directory, 1 << 20, Duration.ZERO), RolloutLogMetrics.unregistered())) {
            for (JudgedGroup group : RolloutLogTest.groups(3, 22)) {
                writer.accept(group, 1);
            }
        }
        Path file = RolloutLogFiles.list(directory).get(0);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 1));
        Run result = run("cat", file.toString());
        assertEquals(2, result.code());
        assertEquals(2, result.out().lines().count());
        assertTrue(result.err().startsWith("error: " + file + ": record 3"), result.err());

        Run missing = run("cat", directory.resolve("nope.pb").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }

    @Test
    void everyCommandHasHelp() {
        Run log = run("--help");
        assertEquals(0, log.code());
        assertTrue(log.out().contains("cat"), log.out());
        Run cat = run("cat", "--help");
        assertEquals(0, cat.code());
        assertTrue(cat.out().contains("FILE"), cat.out());
        assertEquals(0, run().code()); // bare "log" prints its usage
        assertEquals(2, run("cat").code()); // a file is required
    }
}
