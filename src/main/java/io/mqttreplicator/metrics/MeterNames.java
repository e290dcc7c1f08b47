package io.mqttreplicator.metrics;

import io.micrometer.core.instrument.Meter;
import io.mqttreplicator.engine.EngineListener;
import io.mqttreplicator.engine.EngineListener.DropReason;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Every meter the replicator exports, with its tags. Micrometer names; Prometheus shows them with
 * underscores, counters with {@code _total} and timers with {@code _seconds}
 * ({@code mqttrep.messages.received} is {@code mqttrep_messages_received_total}). Tag values are
 * bounded: replication, broker and rule names from the configuration, drop reasons from
 * {@link DropReason}; never a topic.
 */
public final class MeterNames {

    /** Counter {replication, broker (source), rule}: messages received, including those dropped afterwards. */
    public static final String MESSAGES_RECEIVED = "mqttrep.messages.received";
    /** Counter {replication, broker (target), rule}: publishes issued to a broker. */
    public static final String MESSAGES_FORWARDED = "mqttrep.messages.forwarded";
    /** Counter {replication, broker, rule, reason}: messages not forwarded; for {@code expired}, the broker deleted on. */
    public static final String MESSAGES_DROPPED = "mqttrep.messages.dropped";
    /** Counter {replication, broker (target), rule}: publishes the broker refused or that failed. */
    public static final String PUBLISH_FAILURES = "mqttrep.publish.failures";
    /** Gauge {replication, broker}: 1 while the broker is connected, else 0. */
    public static final String BROKER_CONNECTED = "mqttrep.broker.connected";
    /** Counter {replication, broker, origin}: connections that were up and ended; origin {@code broker}, {@code replicator} or {@code network}. */
    public static final String CONNECTIONS_ENDED = "mqttrep.broker.connections.ended";
    /**
     * Gauge {replication, broker}: the messages the broker says it dropped for its clients since it started (its queue
     * limits; Mosquitto's {@code $SYS/broker/publish/messages/dropped}), NaN while the broker has said nothing.
     */
    public static final String BROKER_DROPPED = "mqttrep.broker.messages.dropped";
    /** Timer {replication}: stream mode, from a message's arrival to the last target's acknowledgement. */
    public static final String FORWARD_LATENCY = "mqttrep.forward.latency";
    /** Timer {replication}: how long each merge tick took. */
    public static final String MERGE_TICK = "mqttrep.merge.tick";
    /** Counter {replication}: changed topics the merge ticks compared. */
    public static final String MERGED_TOPICS = "mqttrep.merged.topics";
    /** Gauge {replication, broker}: messages taken from the broker and not yet acknowledged (sampled at each merge tick). */
    public static final String IN_FLIGHT = "mqttrep.in.flight";
    /** Gauge {replication, rule}: state mode topics held in memory, tombstones included (sampled at each merge tick). */
    public static final String CACHED_TOPICS = "mqttrep.cached.topics";

    /** Every meter and its type. */
    public static final Map<String, Meter.Type> ALL = Map.ofEntries(
            Map.entry(MESSAGES_RECEIVED, Meter.Type.COUNTER),
            Map.entry(MESSAGES_FORWARDED, Meter.Type.COUNTER),
            Map.entry(MESSAGES_DROPPED, Meter.Type.COUNTER),
            Map.entry(PUBLISH_FAILURES, Meter.Type.COUNTER),
            Map.entry(BROKER_CONNECTED, Meter.Type.GAUGE),
            Map.entry(CONNECTIONS_ENDED, Meter.Type.COUNTER),
            Map.entry(BROKER_DROPPED, Meter.Type.GAUGE),
            Map.entry(FORWARD_LATENCY, Meter.Type.TIMER),
            Map.entry(MERGE_TICK, Meter.Type.TIMER),
            Map.entry(MERGED_TOPICS, Meter.Type.COUNTER),
            Map.entry(IN_FLIGHT, Meter.Type.GAUGE),
            Map.entry(CACHED_TOPICS, Meter.Type.GAUGE));

    public static final String REPLICATION = "replication";
    public static final String BROKER = "broker";
    public static final String RULE = "rule";
    public static final String REASON = "reason";
    public static final String ORIGIN = "origin";

    /**
     * The rule tag of messages no rule matches. Not a DNS label nor an MQTTREP_TOPIC_{id} suffix, so
     * no configured rule can have this name.
     */
    public static final String NO_RULE = "(none)";

    /** Histogram buckets of the timers, from sub-millisecond forwarding to a stalled target. */
    static final Duration[] BUCKETS = {
        Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10)
    };

    private MeterNames() {
    }

    /** The rule tag value: the rule's id, or {@link #NO_RULE}. */
    public static String rule(String rule) {
        return EngineListener.NO_RULE.equals(rule) ? NO_RULE : rule;
    }

    /** The reason tag value: {@code echo}, {@code duplicate}, {@code denied}, {@code expired}, {@code ignored}. */
    public static String reason(DropReason reason) {
        return reason.name().toLowerCase(Locale.ROOT);
    }
}
