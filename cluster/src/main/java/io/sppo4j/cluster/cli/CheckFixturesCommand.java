package io.sppo4j.cluster.cli;

import ai.djl.Device;
import io.sppo4j.model.crosscheck.TransformersFixtures;
import io.sppo4j.model.nd.Devices;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "check-fixtures",
        mixinStandardHelpOptions = true,
        description = {
            "Compare our logits (or rewards) with transformers' on every fixture directory under DIR,",
            "as written by model/src/test/python/make_hf_fixtures.py: the comparison HfFixturesTest runs,",
            "for a machine without Maven (scripts/device-check.sh). Exit 0 when every fixture matches",
            "within " + TransformersFixtures.TOLERANCE + ", 1 when one does not, 2 when DIR holds none."
        })
final class CheckFixturesCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Mixin
    DeviceOption deviceOption = new DeviceOption();

    @Parameters(index = "0", paramLabel = "DIR", description = "A folder of fixture directories (each with reference.json).")
    Path directory;

    @Option(names = "--json", description = "Print a JSON summary as the last stdout line.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Device device = deviceOption.resolve(configOptions.load());
        List<Path> fixtures = TransformersFixtures.find(directory);
        if (fixtures.isEmpty()) {
            throw new IllegalArgumentException(directory + ": no fixture directory (one holding "
                    + TransformersFixtures.REFERENCE + ") to compare");
        }
        List<Map<String, Object>> results = new ArrayList<>();
        boolean allMatch = true;
        for (Path fixture : fixtures) {
            TransformersFixtures.Comparison comparison = TransformersFixtures.compare(fixture, device);
            allMatch &= comparison.matches();
            System.err.println((comparison.matches() ? "ok       " : "MISMATCH ") + comparison.describe());
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("name", fixture.getFileName().toString());
            result.put("kind", comparison.kind());
            result.put("transformers", comparison.transformers());
            result.put("values", comparison.values());
            result.put("max_abs_diff", comparison.maxAbsDifference());
            result.put("matches", comparison.matches());
            results.add(result);
        }
        if (json) {
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("device", Devices.describe(device));
            summary.put("tolerance", TransformersFixtures.TOLERANCE);
            summary.put("all_match", allMatch);
            summary.put("fixtures", results);
            System.out.println(Json.line(summary));
        }
        return allMatch ? 0 : 1;
    }
}
