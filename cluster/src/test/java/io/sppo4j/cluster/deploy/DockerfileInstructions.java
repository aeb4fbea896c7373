package io.sppo4j.cluster.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Dockerfile's instructions as Docker reads them: comments dropped, backslash-continued lines
 * joined; ARG defaults and ENV values (both {@code KEY=VALUE} forms) with {@code ${NAME}} and
 * {@code $NAME} substituted from earlier ARGs and ENVs, as the builder does.
 */
record DockerfileInstructions(List<String> lines, Map<String, String> args, Map<String, String> env) {

    private static final Pattern ASSIGNMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S*)");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    static DockerfileInstructions read(Path dockerfile) throws IOException {
        List<String> lines = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : Files.readAllLines(dockerfile)) {
            String line = raw.strip();
            if (current.length() == 0 && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1);
                continue;
            }
            lines.add(current.append(line).toString().strip());
            current.setLength(0);
        }
        Map<String, String> args = new LinkedHashMap<>();
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : lines) {
            if (line.startsWith("ARG ") || line.startsWith("ENV ")) {
                Map<String, String> target = line.startsWith("ARG ") ? args : env;
                Matcher assignment = ASSIGNMENT.matcher(line.substring(4));
                while (assignment.find()) {
                    String value = assignment.group(2).replaceAll("^\"|\"$", "");
                    target.put(assignment.group(1), substitute(value, args, env));
                }
            }
        }
        return new DockerfileInstructions(lines, args, env);
    }

    /** The instructions starting with {@code keyword} (e.g. "RUN"), their arguments only. */
    List<String> all(String keyword) {
        return lines.stream().filter(line -> line.startsWith(keyword + " ")).map(line -> line.substring(keyword.length() + 1))
                .toList();
    }

    private static String substitute(String value, Map<String, String> args, Map<String, String> env) {
        Matcher reference = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (reference.find()) {
            String name = reference.group(1) != null ? reference.group(1) : reference.group(2);
            String replacement = env.getOrDefault(name, args.getOrDefault(name, "$" + name));
            reference.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        return reference.appendTail(out).toString();
    }
}
