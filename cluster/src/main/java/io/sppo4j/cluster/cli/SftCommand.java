package io.sppo4j.cluster.cli;

import io.sppo4j.cluster.setup.TaskSetup;

import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.sft.SftConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "sft",
        mixinStandardHelpOptions = true,
        description = {
            "Supervised fine-tuning of the reference policy on a task's demonstrations.",
            "Saves a checkpoint under --out and reports held-out quality."
        })
final class SftCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(names = "--task", defaultValue = "sort", description = "Built-in task (default ${DEFAULT-VALUE}; built-in: sort).")
    String task;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory the reference checkpoint is written to.")
    Path out;

    @Option(names = "--steps", description = "Optimiser steps (overrides sppo4j.sft.steps).")
    Integer steps;

    @Option(names = "--json", description = "Print a JSON summary as the last stdout line.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (!"sort".equals(task)) {
            throw new IllegalArgumentException("--task: unknown task '" + task + "'; built-in tasks: sort");
        }
        TaskSetup setup = TaskSetup.from(configOptions.load("sppo4j.task=" + task));
        SftConfig sft = SftConfig.from(setup.config());
        if (steps != null) {
            sft = sft.withSteps(steps);
        }
        var device = setup.device("sppo4j.learner.device");
        ReferenceTraining.Result result = ReferenceTraining.train(
                setup, sft, device, new CheckpointStore(out, 1), ReferenceTraining.fingerprint(setup.config(), sft));
        if (json) {
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("task", task);
            summary.put("checkpoint", result.checkpoint().toString());
            summary.put("steps", sft.steps());
            summary.put("heldout_loss_before", result.lossBefore());
            summary.put("heldout_loss_after", result.lossAfter());
            summary.put("train_loss_final", result.trainLossFinal());
            summary.put("exact_match", result.quality().exactMatch());
            summary.put("mean_edit_distance", result.quality().meanEditDistance());
            summary.put("mean_len", result.quality().meanLength());
            summary.put("target_mean_len", result.quality().meanTargetLength());
            summary.put("device", Devices.describe(device));
            summary.put("wall_s", result.seconds());
            System.out.println(Json.line(summary));
        }
        return 0;
    }
}
