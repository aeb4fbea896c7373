package io.sppo4j.cluster.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.cluster.cli.SppoCli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * No Docker engine runs in CI, so Dockerfile.cuda is checked against the build: its base image is
 * the PyTorch and CUDA that the pom's DJL JNI glue was built for, DJL is pointed at that image's
 * libtorch and libcudart, the jar it copies is the lean one the {@code gpu} profile shades, and it
 * runs {@code sppo node} as the CPU image does, as a non-root user.
 */
class CudaImageTest {

    private static final Pattern BASE = Pattern.compile("pytorch/pytorch:(\\d+\\.\\d+\\.\\d+)-cuda(\\d+)\\.(\\d+)-cudnn\\d+-runtime");

    @Test
    void theBaseImageIsThePyTorchAndCudaThePomsJniGlueWasBuiltFor() throws IOException {
        DockerfileInstructions cuda = DockerfileInstructions.read(ImageEntryPoint.CUDA_DOCKERFILE);
        String pom = Files.readString(Manifests.ROOT.resolve("pom.xml"));
        String torch = property(pom, "pytorch.native.version");
        String djl = property(pom, "djl.version");
        assertEquals(torch + "-" + djl, property(pom, "pytorch.jni.version"), "the JNI jar couples torch and DJL");

        Matcher base = BASE.matcher(cuda.args().get("PYTORCH_IMAGE"));
        assertTrue(base.matches(), "an official PyTorch runtime image: " + cuda.args().get("PYTORCH_IMAGE"));
        assertEquals(torch, base.group(1), "the base image's PyTorch is the pom's");
        String flavour = "cu" + base.group(2) + base.group(3);
        assertEquals("FROM ${PYTORCH_IMAGE}", "FROM " + cuda.all("FROM").get(cuda.all("FROM").size() - 1),
                "the runtime stage is the PyTorch image");
        assertEquals(torch, cuda.env().get("PYTORCH_VERSION"));
        assertEquals(flavour, cuda.env().get("PYTORCH_FLAVOR"), "the flavour is the base image's CUDA");

        // The pytorch-jni jar on this build's classpath holds that flavour's glue, for this torch and DJL.
        ClassLoader loader = CudaImageTest.class.getClassLoader();
        assertNotNull(loader.getResource("jnilib/linux-x86_64/" + flavour + "/libdjl_torch.so"),
                "pytorch-jni has jnilib/linux-x86_64/" + flavour + "/libdjl_torch.so");
        Properties jni = new Properties();
        try (InputStream in = loader.getResourceAsStream("jnilib/pytorch.properties")) {
            jni.load(in);
        }
        assertEquals(property(pom, "pytorch.jni.version"), jni.getProperty("jni_version"));
    }

    @Test
    void djlLoadsTheImagesOwnLibtorchAndCudaRuntime() throws IOException {
        DockerfileInstructions cuda = DockerfileInstructions.read(ImageEntryPoint.CUDA_DOCKERFILE);
        String site = cuda.args().get("PYTHON_SITE");
        assertTrue(site.matches("/opt/conda/lib/python3\\.\\d+/site-packages"), "the base image's conda Python: " + site);
        assertEquals(site + "/torch/lib", cuda.env().get("PYTORCH_LIBRARY_PATH"));
        ImageEntryPoint image = ImageEntryPoint.read(ImageEntryPoint.CUDA_DOCKERFILE);
        assertTrue(image.entrypoint().contains("-Djna.library.path=" + site + "/nvidia/cuda_runtime/lib"),
                "JNA finds libcudart beside torch: " + image.entrypoint());
        // The build checks both against the base image, naming what it found otherwise.
        String check = String.join("\n", cuda.all("RUN"));
        String torch = cuda.env().get("PYTORCH_VERSION");
        assertTrue(check.contains("torch.__version__.startswith('" + torch + "')"), check);
        assertTrue(check.contains("os.path.samefile(lib, os.environ['PYTORCH_LIBRARY_PATH'])"), check);
        assertTrue(check.contains("test -e \"${PYTHON_SITE}/nvidia/cuda_runtime/lib/libcudart.so.12\""), check);
    }

    @Test
    void itRunsTheLeanJarAsTheCpuImageRunsItsJar() throws Exception {
        DockerfileInstructions cuda = DockerfileInstructions.read(ImageEntryPoint.CUDA_DOCKERFILE);
        ImageEntryPoint image = ImageEntryPoint.read(ImageEntryPoint.CUDA_DOCKERFILE);
        ImageEntryPoint cpu = ImageEntryPoint.read();

        // The jar: what cluster/pom.xml's gpu profile shades, without pytorch-native-cpu.
        String leanJar = null;
        for (String copy : image.copies()) {
            String[] parts = copy.split("\\s+");
            if (parts[0].equals("--from=build")) {
                leanJar = parts[1];
                assertEquals(image.jar(), parts[2], "the entry point runs the copied jar");
            } else if (!parts[0].startsWith("--from=")) {
                assertTrue(Files.exists(Manifests.ROOT.resolve(parts[0])), "the build stage copies " + parts[0] + ", which exists");
            }
        }
        assertEquals("/src/cluster/target/sppo-gpu.jar", leanJar);
        String profile = gpuProfile(Files.readString(Manifests.ROOT.resolve("cluster/pom.xml")));
        assertTrue(profile.contains("<outputFile>${project.build.directory}/sppo-gpu.jar</outputFile>"), profile);
        assertTrue(profile.contains("<exclude>ai.djl.pytorch:pytorch-native-cpu</exclude>"), profile);
        assertTrue(!profile.contains("pytorch-jni"), "the JNI glue stays in the lean jar");
        assertTrue(cuda.all("RUN").stream().anyMatch(run -> run.contains("mvn -B -q -DskipTests -Pgpu package")),
                "the build stage packages with the gpu profile");

        // The same JVM flags and command as the CPU image; only the GPU's paths are added.
        List<String> flags = new ArrayList<>(image.entrypoint());
        flags.removeIf(flag -> flag.startsWith("-Djna.library.path="));
        assertEquals(cpu.entrypoint(), flags, "the CPU image's entry point plus jna.library.path");
        List<String> args = new ArrayList<>(image.arguments());
        args.addAll(image.command());
        CommandLine.ParseResult parsed = new CommandLine(new SppoCli()).parseArgs(args.toArray(String[]::new));
        assertEquals("node", parsed.subcommand().commandSpec().name());
        assertEquals(List.of("learner"), parsed.subcommand().matchedOptionValue("--roles", List.of()));
        assertEquals(List.of(Path.of("/etc/sppo4j/sppo4j.conf")), parsed.subcommand().matchedOptionValue("--config", List.of()));

        String dockerfile = Files.readString(ImageEntryPoint.CUDA_DOCKERFILE);
        Matcher user = Pattern.compile("(?m)^USER (\\d+)").matcher(dockerfile);
        assertTrue(user.find() && !user.group(1).equals("0"), "runs as a numeric non-root user");
        assertEquals(List.of("[\"/var/lib/sppo4j\", \"/var/cache/sppo4j\", \"/tmp\"]"), cuda.all("VOLUME"),
                "the writable paths are the CPU image's volumes");
        assertEquals(DockerfileInstructions.read(ImageEntryPoint.DOCKERFILE).all("VOLUME"), cuda.all("VOLUME"));
        assertEquals("/var/cache/sppo4j/djl", cuda.env().get("DJL_CACHE_DIR"), "DJL's cache is on a volume");
        for (Path file : List.of(ImageEntryPoint.DOCKERFILE, ImageEntryPoint.CUDA_DOCKERFILE)) {
            assertEquals("2", DockerfileInstructions.read(file).env().get("MALLOC_ARENA_MAX"),
                    file + ": glibc's per-thread arenas would hold what libtorch frees");
        }
    }

    static String property(String pom, String name) {
        Matcher value = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">").matcher(pom);
        assertTrue(value.find(), "pom.xml defines " + name);
        return value.group(1).strip();
    }

    /** The {@code <profile>} whose id is gpu. */
    static String gpuProfile(String pom) {
        Matcher profile = Pattern.compile("(?s)<profile>\\s*<id>gpu</id>.*?</profile>").matcher(pom);
        assertTrue(profile.find(), "cluster/pom.xml has a gpu profile");
        return profile.group();
    }
}
