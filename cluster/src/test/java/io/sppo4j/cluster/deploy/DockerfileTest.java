package io.sppo4j.cluster.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.cluster.cli.SppoCli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * No Docker engine runs in CI, so the image is checked against the build instead: the sources the
 * build stage copies exist, the jar the runtime stage copies is the one the Maven build (and
 * ./sppo) produces, and the entry point with its default command is a command line the CLI
 * accepts, reading the profile where the Kubernetes ConfigMap is mounted.
 */
class DockerfileTest {

    @Test
    void whatTheImageCopiesIsWhatTheBuildHas() throws Exception {
        ImageEntryPoint image = ImageEntryPoint.read();
        Path jar = null;
        for (String copy : image.copies()) {
            String[] parts = copy.split("\\s+");
            if (parts[0].startsWith("--from=")) {
                assertEquals("/src/cluster/target/sppo.jar", parts[1], "the runtime stage copies the fat jar");
                assertEquals(image.jar(), parts[2], "the entry point runs the copied jar");
                jar = Path.of(parts[1].substring("/src/".length()));
            } else {
                assertTrue(Files.exists(Manifests.ROOT.resolve(parts[0])), "the build stage copies " + parts[0] + ", which exists");
            }
        }
        assertTrue(jar != null, "the runtime stage copies a jar from the build stage");
        // The shade plugin writes target/sppo.jar in cluster/, as the launcher script expects.
        String pom = Files.readString(Manifests.ROOT.resolve("cluster/pom.xml"));
        assertTrue(pom.contains("<outputFile>${project.build.directory}/sppo.jar</outputFile>"), "cluster/pom.xml shades sppo.jar");
        assertTrue(Files.readString(Manifests.ROOT.resolve("sppo")).contains("jar=\"$root/" + jar + "\""),
                "./sppo runs the same jar");
        assertTrue(Files.readString(ImageEntryPoint.DOCKERFILE).contains("mvn -B -q -DskipTests package"),
                "the build stage packages the jar");
    }

    @Test
    void theEntryPointRunsSppoNodeAsANonRootUserWithTheHeapFromTheMemoryLimit() throws Exception {
        ImageEntryPoint image = ImageEntryPoint.read();
        assertEquals("java", image.entrypoint().get(0));
        assertTrue(image.entrypoint().stream().anyMatch(flag -> flag.startsWith("-XX:MaxRAMPercentage=")),
                "the heap follows the container's memory limit");
        assertTrue(image.entrypoint().contains("-Dai.djl.offline=true"), "nothing downloads at run time");
        List<String> args = new ArrayList<>(image.arguments());
        args.addAll(image.command());
        CommandLine.ParseResult parsed = new CommandLine(new SppoCli()).parseArgs(args.toArray(String[]::new));
        assertEquals("node", parsed.subcommand().commandSpec().name());
        assertEquals(List.of(Path.of("/etc/sppo4j/sppo4j.conf")), parsed.subcommand().matchedOptionValue("--config", List.of()));
        String dockerfile = Files.readString(ImageEntryPoint.DOCKERFILE);
        Matcher user = Pattern.compile("(?m)^USER (\\d+)").matcher(dockerfile);
        assertTrue(user.find() && !user.group(1).equals("0"), "runs as a numeric non-root user (runAsNonRoot can verify it)");
        assertTrue(dockerfile.contains("VOLUME [\"/var/lib/sppo4j\", \"/var/cache/sppo4j\", \"/tmp\"]"),
                "the writable paths are volumes");
    }
}
