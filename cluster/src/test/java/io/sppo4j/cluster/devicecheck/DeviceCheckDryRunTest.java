package io.sppo4j.cluster.devicecheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.sppo4j.cluster.cli.SppoCli;
import io.sppo4j.model.hf.HfTestModels;
import io.sppo4j.model.nd.GpuEnvironment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * scripts/device-check.sh, dry-run on the CPU as CI can: the CPU libtorch DJL unpacked for this
 * JVM stands in for a machine's torch/lib and reaches the program through PYTORCH_LIBRARY_PATH,
 * as a GPU machine's does; the program is this build's classes (SPPO_CMD) rather than the
 * bundle's jar; a tiny Llama checkpoint stands in for the 135M- and 0.5B-shaped ones. The
 * transformers step is skipped (its fixtures need Python's torch), and `bench llm` is reported
 * missing while this build has no such command, which makes the run incomplete (exit 4).
 */
class DeviceCheckDryRunTest {

    private static final Path SCRIPT = Path.of("..", "scripts", "device-check.sh").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void theCpuDryRunPassesThroughPytorchLibraryPath() throws Exception {
        Path lib = Path.of(GpuEnvironment.probe().libtorchDir());
        Path tiny = HfTestModels.scoredLlama(dir.resolve("tiny"), 3).directory();
        Run run = run("--device", "cpu", "--torch-lib", lib.toString(), "--torch-version", "2.7.1",
                "--models", "tiny=" + tiny, "--train-steps", "2");
        boolean benchLlm = new CommandLine(new SppoCli()).getSubcommands().get("bench").getSubcommands().containsKey("llm");
        assertEquals(benchLlm ? 0 : 4, run.code, run.err);
        JsonObject report = run.report();
        assertEquals(benchLlm ? "ok" : "incomplete", report.get("status").getAsString(), report.toString());
        assertEquals(new JsonArray(), report.getAsJsonArray("failed"), report.toString());
        assertEquals("cpu", report.getAsJsonObject("torch").get("flavour").getAsString());

        JsonObject devices = step(report, "devices");
        assertEquals("ok", devices.get("status").getAsString(), devices.toString());
        JsonObject found = devices.getAsJsonObject("result");
        assertEquals("cpu", found.get("device").getAsString());
        assertEquals(lib.toString(), found.get("libtorch").getAsString(), "DJL loaded the library the script pointed at");
        assertEquals(lib.toString(), found.getAsJsonObject("variables").get("PYTORCH_LIBRARY_PATH").getAsString());
        assertEquals("cpu", found.get("flavour").getAsString());
        assertTrue(found.get("smoke_matches").getAsBoolean(), found.toString());

        JsonObject train = step(report, "train");
        assertEquals("ok", train.get("status").getAsString(), train.toString());
        assertEquals(2, train.getAsJsonObject("result").get("steps").getAsInt());
        assertEquals("cpu", train.getAsJsonObject("result").getAsJsonObject("devices").getAsJsonObject("learner")
                .get("device").getAsString());

        for (String dtype : List.of("fp32", "bf16")) {
            JsonObject bench = step(report, "bench-llm-tiny-" + dtype);
            assertEquals(benchLlm ? "ok" : "missing", bench.get("status").getAsString(), bench.toString());
        }
        JsonObject fixtures = step(report, "fixtures");
        assertEquals("skipped", fixtures.get("status").getAsString(), fixtures.toString());
        assertTrue(Files.size(dir.resolve("out/logs.tar.gz")) > 0);
    }

    @Test
    void aPyTorchOtherThan271StopsTheCheckSayingWhatDjlNeeds() throws Exception {
        Path lib = Path.of(GpuEnvironment.probe().libtorchDir());
        Run run = run("--device", "cpu", "--torch-lib", lib.toString(), "--torch-version", "2.6.0+cu124");
        assertEquals(3, run.code, run.err);
        assertTrue(run.err.contains("PyTorch 2.6.0+cu124 found"), run.err);
        assertTrue(run.err.contains("DJL 0.35.0 runs PyTorch 2.7.1 only"), run.err);
        JsonObject torch = step(run.report(), "torch");
        assertEquals("failed (exit 3)", torch.get("status").getAsString());

        Run cpuBuildForAGpu = run("--device", "gpu", "--torch-lib", lib.toString(), "--torch-version", "2.7.1");
        assertEquals(3, cpuBuildForAGpu.code, cpuBuildForAGpu.err);
        assertTrue(cpuBuildForAGpu.err.contains("is built for CUDA none; the cu128 JNI glue needs"), cpuBuildForAGpu.err);
    }

    private record Run(int code, String err, Path out) {
        JsonObject report() throws IOException {
            return JsonParser.parseString(Files.readString(out.resolve("device-check.json"))).getAsJsonObject();
        }
    }

    private Run run(String... args) throws IOException, InterruptedException {
        assumeTrue(onPath("python3") && onPath("bash"), "device-check.sh needs bash and python3");
        Path out = Files.createDirectories(dir.resolve("out"));
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString(), "--out", out.toString(),
                "--work", dir.resolve("work-" + System.nanoTime()).toString(), "--step-timeout", "600"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Path err = dir.resolve("stderr-" + System.nanoTime());
        builder.redirectError(err.toFile());
        Map<String, String> env = builder.environment();
        env.put("SPPO_CMD", String.join(" ", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), SppoCli.class.getName()));
        for (String variable : List.of("PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR", "JAVA_TOOL_OPTIONS")) {
            env.remove(variable);
        }
        Process process = builder.start();
        assertTrue(process.waitFor(15, TimeUnit.MINUTES), "device-check.sh finished");
        return new Run(process.exitValue(), Files.readString(err, StandardCharsets.UTF_8), out);
    }

    private static JsonObject step(JsonObject report, String name) {
        for (JsonElement step : report.getAsJsonArray("steps")) {
            if (step.getAsJsonObject().get("step").getAsString().equals(name)) {
                return step.getAsJsonObject();
            }
        }
        throw new AssertionError("no step " + name + " in " + report);
    }

    private static boolean onPath(String program) {
        for (String folder : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(folder.isEmpty() ? "." : folder, program))) {
                return true;
            }
        }
        return false;
    }
}
