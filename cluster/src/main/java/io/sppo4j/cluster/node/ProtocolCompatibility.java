package io.sppo4j.cluster.node;

import com.typesafe.config.Config;

import java.util.List;
import org.apache.pekko.cluster.ConfigValidation;
import org.apache.pekko.cluster.Invalid;
import org.apache.pekko.cluster.JoinConfigCompatChecker;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Refuses a node whose wire protocol differs from the cluster's: another protocol version, or
 * another registration of control-plane classes (ids would mean different classes); and a node
 * whose LoRA base differs (adapters trained on one base mean nothing on another). Pekko runs
 * it when a node joins; a refused node logs why and never becomes a member, so it cannot
 * corrupt the others with messages they would misread.
 */
public final class ProtocolCompatibility extends JoinConfigCompatChecker {

    /** Version of the wire protocol (proto schemas and message set); bumped on incompatible change. */
    public static final String VERSION_KEY = "sppo4j.protocol.version";

    /** Fingerprint of the Kryo registration list, set at node start from the code itself. */
    public static final String REGISTRATION_KEY = "sppo4j.protocol.control-registration";

    /** {@link io.sppo4j.model.hf.BaseChecksum} of the base a LoRA run adapts, or {@code none}. */
    public static final String LORA_BASE_KEY = "sppo4j.protocol.lora-base";

    private static final List<String> KEYS = List.of(VERSION_KEY, REGISTRATION_KEY, LORA_BASE_KEY);

    @Override
    public scala.collection.immutable.Seq<String> requiredKeys() {
        return CollectionConverters.asScala(KEYS).toList();
    }

    @Override
    public ConfigValidation check(Config toCheck, Config actualConfig) {
        if (toCheck.hasPath(LORA_BASE_KEY) && actualConfig.hasPath(LORA_BASE_KEY)
                && !toCheck.getString(LORA_BASE_KEY).equals(actualConfig.getString(LORA_BASE_KEY))) {
            return new Invalid(CollectionConverters.asScala(List.of(LORA_BASE_KEY + ": the joining node's LoRA base ("
                    + toCheck.getString(LORA_BASE_KEY) + ") differs from the cluster's (" + actualConfig.getString(LORA_BASE_KEY)
                    + "); every node must load the same base files (sppo4j.policy.path) and LoRA settings")).toList());
        }
        return JoinConfigCompatChecker.fullMatch(requiredKeys(), toCheck, actualConfig);
    }
}
