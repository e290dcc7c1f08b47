package io.mqttreplicator.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * One topic rule of a replication: which topics, how they are replicated, and between which
 * brokers.
 *
 * @param id          the rule's identifier ({@code {id}} of MQTTREP_TOPIC_{id}, or the position in the CR)
 * @param filter      MQTT topic filter, {@code +} and {@code #} allowed
 * @param mode        state or stream
 * @param qos         the rule's QoS: subscriptions ask for it, publishes use at most it
 * @param retain      publish every message of this rule retained
 * @param ttl         state mode: delete a topic after this long without traffic; {@link Duration#ZERO} = never
 * @param noSubscribe settings only: the filter is not subscribed, the rule applies to topics other rules receive
 * @param merge       state mode: how the winner among differing values is chosen
 * @param subscribeOn brokers on which the filter is subscribed
 * @param publishTo   brokers to which messages of this rule may be published
 */
public record TopicRule(
        String id,
        String filter,
        ReplicationMode mode,
        int qos,
        boolean retain,
        Duration ttl,
        boolean noSubscribe,
        MergeAlgorithm merge,
        BrokerSelection subscribeOn,
        BrokerSelection publishTo) {

    public TopicRule {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(merge, "merge");
        Objects.requireNonNull(subscribeOn, "subscribeOn");
        Objects.requireNonNull(publishTo, "publishTo");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
    }

    public boolean hasTtl() {
        return !ttl.isZero();
    }
}
