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
    public static final Map<String, Meter.Type> ALL = Map.of(
            MESSAGES_RECEIVED, Meter.Type.COUNTER,
            MESSAGES_FORWARDED, Meter.Type.COUNTER,
            MESSAGES_DROPPED, Meter.Type.COUNTER,
            PUBLISH_FAILURES, Meter.Type.COUNTER,
            BROKER_CONNECTED, Meter.Type.GAUGE,
            FORWARD_LATENCY, Meter.Type.TIMER,
            MERGE_TICK, Meter.Type.TIMER,
            MERGED_TOPICS, Meter.Type.COUNTER,
            IN_FLIGHT, Meter.Type.GAUGE,
            CACHED_TOPICS, Meter.Type.GAUGE);

    public static final String REPLICATION = "replication";
    public static final String BROKER = "broker";
    public static final String RULE = "rule";
    public static final String REASON = "reason";

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
