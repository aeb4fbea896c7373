package io.sppo4j.cluster.shipped;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.sppo4j.cluster.deploy.ImageEntryPoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The artefact users run: {@code cluster/target/sppo.jar}, started as a child process with the
 * command line of the {@code ./sppo} launcher or of the container image's entry point, read from
 * those files rather than restated here, so that a change to either is what gets tested.
 */
final class ShippedJar {

    /** JAVA_OPTS of the launched JVMs: a modest heap on a machine that others share. */
    static final List<String> JAVA_OPTS = List.of("-Xmx1g");

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final Pattern EXEC = Pattern.compile("(?m)^exec (java .*)$");

    private ShippedJar() {}

    /** The shaded jar the package phase built (failsafe passes its path). */
    static Path jar() {
        Path jar = Path.of(System.getProperty("sppo4j.jar", "target/sppo.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: the integration tests run after the package phase (mvn verify)");
        }
        return jar;
    }

    /** The repository root, where {@code ./sppo} sets {@code sppo4j.home}. */
    static Path root() {
        return ROOT;
    }

    /** {@code ./sppo ARGS} as the launcher runs it once the jar is built ({@code exec java ... -jar "$jar" "$@"}). */
    static List<String> launcher(String... args) {
        String script = read(ROOT.resolve("sppo"));
        Matcher exec = EXEC.matcher(script);
        if (!exec.find()) {
            throw new IllegalStateException(ROOT.resolve("sppo") + " has no 'exec java ...' line");
        }
        List<String> command = new ArrayList<>();
        for (String word : exec.group(1).split("\\s+")) {
            String token = word.replace("\"", "");
            switch (token) {
                case "java" -> command.add(JAVA);
                case "${JAVA_OPTS:-}" -> command.addAll(JAVA_OPTS);
                case "$jar" -> command.add(jar().toString());
                case "$@" -> command.addAll(Arrays.asList(args));
                default -> {
                    if (token.contains("$") && !token.contains("$root")) {
                        throw new IllegalStateException("the launcher passes " + word + ", which this test does not know how to expand");
                    }
                    command.add(token.replace("$root", ROOT.toString()));
                }
            }
        }
        return command;
    }

    /**
     * {@code docker run IMAGE ARGS}: the Dockerfile's exec-form ENTRYPOINT with the jar it copies
     * to the image replaced by the built one, followed by the arguments that replace its CMD.
     */
    static List<String> image(List<String> args) throws IOException {
        ImageEntryPoint image = ImageEntryPoint.read();
        List<String> command = new ArrayList<>();
        for (String word : image.entrypoint()) {
            command.add(word.equals("java") ? JAVA : word.equals(image.jar()) ? jar().toString() : word);
        }
        command.addAll(args);
        return command;
    }

    /** The image's default command: its CMD after the entry point. */
    static List<String> imageDefaultCommand() throws IOException {
        return ImageEntryPoint.read().command();
    }

    /** Runs a command to its end in {@code workDir}, output captured; fails the test past {@code timeout}. */
    static Result run(Path workDir, Duration timeout, List<String> command) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path out = Files.createTempFile(workDir, "stdout-", ".txt");
        Path err = Files.createTempFile(workDir, "stderr-", ".txt");
        Process process = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("timed out after " + timeout.toSeconds() + " s: " + String.join(" ", command)
                    + "\n--- stderr (last lines) ---\n" + tail(read(err)));
        }
        return new Result(process.exitValue(), read(out), read(err), command);
    }

    /** Starts a long-running command (a node) with its output in {@code log}. */
    static Process start(List<String> command, Path log, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** A file's text; a character still being written comes out as a replacement character. */
    static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String tail(String text) {
        return text.substring(Math.max(0, text.length() - 4000));
    }

    /** What a command printed and how it ended. */
    record Result(int code, String out, String err, List<String> command) {

        /** The JSON summary a command prints as its last stdout line. */
        JsonObject lastJsonLine() {
            String[] lines = out.strip().split("\n");
            return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        }

        /** For assertion messages: the command and the end of its stderr. */
        String describe() {
            return String.join(" ", command) + "\nexit " + code + "\n--- stderr (last lines) ---\n" + tail(err);
        }
    }
}
