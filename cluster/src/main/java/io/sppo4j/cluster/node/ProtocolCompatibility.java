package io.sppo4j.cluster.node;

import com.typesafe.config.Config;

import java.util.List;
import org.apache.pekko.cluster.ConfigValidation;
import org.apache.pekko.cluster.JoinConfigCompatChecker;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Refuses a node whose wire protocol differs from the cluster's: another protocol version, or
 * another registration of control-plane classes (ids would mean different classes). Pekko runs
 * it when a node joins; a refused node logs why and never becomes a member, so it cannot
 * corrupt the others with messages they would misread.
 */
public final class ProtocolCompatibility extends JoinConfigCompatChecker {

    /** Version of the wire protocol (proto schemas and message set); bumped on incompatible change. */
    public static final String VERSION_KEY = "sppo4j.protocol.version";

    /** Fingerprint of the Kryo registration list, set at node start from the code itself. */
    public static final String REGISTRATION_KEY = "sppo4j.protocol.control-registration";

    private static final List<String> KEYS = List.of(VERSION_KEY, REGISTRATION_KEY);

    @Override
    public scala.collection.immutable.Seq<String> requiredKeys() {
        return CollectionConverters.asScala(KEYS).toList();
    }

    @Override
    public ConfigValidation check(Config toCheck, Config actualConfig) {
        return JoinConfigCompatChecker.fullMatch(requiredKeys(), toCheck, actualConfig);
    }
}
