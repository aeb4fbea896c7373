package io.sppo4j.cluster.node;

import com.typesafe.config.Config;
import io.sppo4j.actors.WeightCache;
import io.sppo4j.actors.weights.WeightTransport;

/** A node's weight cache settings: its group, and its transfer connection on the cluster's interface and TLS. */
public final class NodeWeights {

    private NodeWeights() {}

    public static WeightCache.Settings settings(Config settings) {
        return new WeightCache.Settings(
                settings.getString("sppo4j.weights.group"),
                settings.getDuration("sppo4j.weights.stall-timeout"),
                new WeightTransport.Settings(
                        settings.getString("sppo4j.cluster.host"),
                        settings.getInt("sppo4j.weights.transfer-port"),
                        NodeTls.context(settings)));
    }
}
