package io.sppo4j.cluster.rolloutlog;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.data.RolloutGroup;
import io.sppo4j.actors.data.Sample;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A rollout log record as a JSON-ready map (field names as in the protobuf schema, in a fixed
 * order), for {@code sppo log cat} and anything else that prints records for people or scripts.
 */
public final class RolloutLogJson {

    private RolloutLogJson() {}

    public static Map<String, Object> toMap(LoggedGroup record) {
        JudgedGroup judged = record.group();
        RolloutGroup group = judged.group();
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("credit_id", group.creditId());
        map.put("prompt", group.prompt());
        map.put("prompt_tokens", group.promptTokens());
        map.put("version", group.version());
        map.put("learner_version", record.learnerVersion());
        map.put("worker", group.worker());
        map.put("judge", judged.judge());
        map.put("win_rates", judged.winRates());
        map.put("preferences", judged.preferences());
        map.put("cyclic_triad_share", judged.cyclicTriadShare());
        List<Map<String, Object>> samples = new ArrayList<>(group.size());
        for (Sample sample : group.samples()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("text", sample.text());
            entry.put("tokens", sample.tokens());
            entry.put("policy_log_prob", sample.policyLogProb());
            entry.put("sampling_log_prob", sample.samplingLogProb());
            entry.put("from_mixture", sample.fromMixture());
            samples.add(entry);
        }
        map.put("samples", samples);
        map.put("sampled_at_millis", group.sampledAtMillis());
        map.put("sampling_millis", group.samplingMillis());
        map.put("logged_at_millis", record.loggedAtMillis());
        return map;
    }
}
