package io.mqttreplicator.replication;

import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.engine.TopicRule;
import java.util.List;
import java.util.Objects;

/**
 * Everything one replication needs, whichever front end produced it (MQTTREP_* variables or a
 * MqttReplication resource). Immutable; the manager diffs two definitions to apply a change.
 *
 * @param name             identifies the replication (logs, metrics); standalone: "standalone",
 *                         operator: namespace/name
 * @param mergeFrequencyHz state mode merge ticks per second
 * @param brokers          the brokers, names unique
 * @param rules            the topic rules, in configuration order
 * @param origin           marks this replication's forwards for shared rules (MQTT 5 user property),
 *                         by which every instance and part of it drops them when they come back:
 *                         the same for all of them, different from other replications that may
 *                         share a broker with it
 */
public record ReplicationDefinition(String name, double mergeFrequencyHz, List<BrokerSettings> brokers, List<TopicRule> rules,
        String origin) {

    /** A definition whose name is its origin mark. */
    public ReplicationDefinition(String name, double mergeFrequencyHz, List<BrokerSettings> brokers, List<TopicRule> rules) {
        this(name, mergeFrequencyHz, brokers, rules, name);
    }

    public ReplicationDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(origin, "origin");
        brokers = List.copyOf(brokers);
        rules = List.copyOf(rules);
        if (!(mergeFrequencyHz > 0)) {
            throw new IllegalArgumentException("mergeFrequencyHz must be positive: " + mergeFrequencyHz);
        }
    }
}
