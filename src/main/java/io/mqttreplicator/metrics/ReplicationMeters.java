package io.mqttreplicator.metrics;

import static io.mqttreplicator.metrics.MeterNames.BROKER;
import static io.mqttreplicator.metrics.MeterNames.REASON;
import static io.mqttreplicator.metrics.MeterNames.REPLICATION;
import static io.mqttreplicator.metrics.MeterNames.RULE;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.mqttreplicator.engine.EngineListener;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The meters of one replication, fed by its engine. A count is registered the first time its
 * (broker, rule, reason) occurs and kept in a map from then on, so a message costs two map lookups
 * and a {@link LongAdder} increment. Every meter registered is remembered, to be removed with the replication.
 */
final class ReplicationMeters implements EngineListener {

    private static final DropReason[] REASONS = DropReason.values();

    private final MeterRegistry registry;
    private final String replication;
    private final Set<Meter> registered = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, BrokerRuleCounters>> counters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> cachedTopics = new ConcurrentHashMap<>();
    private final Set<String> connectionGauges = ConcurrentHashMap.newKeySet();
    private final Set<String> droppedGauges = ConcurrentHashMap.newKeySet();
    /** By broker, then by who ended the connection. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Counter>> connectionEnds = new ConcurrentHashMap<>();
    private final Timer forwardLatency;
    private final Timer mergeTick;
    private final Counter mergedTopics;
    private volatile boolean closed;

    ReplicationMeters(MeterRegistry registry, String replication) {
        this.registry = registry;
        this.replication = replication;
        this.forwardLatency = timer(MeterNames.FORWARD_LATENCY,
                "Stream mode: from a message's arrival to the acknowledgement of its last target publish");
        this.mergeTick = timer(MeterNames.MERGE_TICK, "Duration of the state mode merge ticks");
        this.mergedTopics = track(Counter.builder(MeterNames.MERGED_TOPICS)
                .description("Changed topics compared by the merge ticks")
                .tag(REPLICATION, replication)
                .register(registry));
    }

    @Override
    public void received(String broker, String rule) {
        counters(broker, rule).received().increment();
    }

    @Override
    public void forwarded(String broker, String rule) {
        counters(broker, rule).forwarded().increment();
    }

    @Override
    public void publishFailed(String broker, String rule) {
        counters(broker, rule).publishFailures().increment();
    }

    @Override
    public void dropped(String broker, String rule, DropReason reason) {
        counters(broker, rule).dropped(reason).increment();
    }

    @Override
    public void forwardLatency(long nanos) {
        forwardLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void mergeTick(long nanos, int changedTopics) {
        mergeTick.record(nanos, TimeUnit.NANOSECONDS);
        mergedTopics.increment(changedTopics);
    }

    @Override
    public void cachedTopics(String rule, int count) {
        AtomicInteger value = cachedTopics.get(rule);
        if (value == null) {
            value = cachedTopics.computeIfAbsent(rule, ignored -> gaugeValue(MeterNames.CACHED_TOPICS,
                    "State mode topics held in memory, tombstones included", RULE, MeterNames.rule(rule)));
        }
        value.set(count);
    }

    @Override
    public void inFlight(String broker, int count) {
        AtomicInteger value = inFlight.get(broker);
        if (value == null) {
            value = inFlight.computeIfAbsent(broker, ignored -> gaugeValue(MeterNames.IN_FLIGHT,
                    "Messages taken from the broker and not yet acknowledged", BROKER, broker));
        }
        value.set(count);
    }

    /** Registers the connection gauge of a broker once; it asks {@code connected} at every scrape. */
    void connectionGauge(String broker, Supplier<Number> connected) {
        if (connectionGauges.add(broker)) {
            track(Gauge.builder(MeterNames.BROKER_CONNECTED, connected)
                    .description("1 while the replicator is connected to the broker, else 0")
                    .tags(REPLICATION, replication, BROKER, broker)
                    .strongReference(true)
                    .register(registry));
        }
    }

    /** Registers the broker's own dropped-messages gauge once; it asks {@code dropped} at every scrape. */
    void brokerDroppedGauge(String broker, Supplier<Number> dropped) {
        if (droppedGauges.add(broker)) {
            track(Gauge.builder(MeterNames.BROKER_DROPPED, dropped)
                    .description("Messages the broker says it dropped for its clients since it started (its queue limits),"
                            + " NaN while it has said nothing")
                    .tags(REPLICATION, replication, BROKER, broker)
                    .strongReference(true)
                    .register(registry));
        }
    }

    /** Counts a connection to the broker that was up and ended, by who ended it. */
    void connectionEnded(String broker, String origin) {
        connectionEnds.computeIfAbsent(broker, ignored -> new ConcurrentHashMap<>())
                .computeIfAbsent(origin, ignored -> track(Counter.builder(MeterNames.CONNECTIONS_ENDED)
                        .description("Connections to the broker that were up and ended, by who ended them")
                        .tags(REPLICATION, replication, BROKER, broker, MeterNames.ORIGIN, origin)
                        .register(registry)))
                .increment();
    }

    /** Removes the meters of brokers and rules no longer in the replication. */
    void retainOnly(Set<String> brokers, Set<String> rules) {
        for (Meter meter : registered) {
            String broker = meter.getId().getTag(BROKER);
            String rule = meter.getId().getTag(RULE);
            if ((broker != null && !brokers.contains(broker))
                    || (rule != null && !rule.equals(MeterNames.NO_RULE) && !rules.contains(rule))) {
                registry.remove(meter);
                registered.remove(meter);
            }
        }
        counters.keySet().retainAll(brokers);
        counters.values().forEach(byRule -> byRule.keySet().removeIf(rule -> !rule.equals(EngineListener.NO_RULE) && !rules.contains(rule)));
        inFlight.keySet().retainAll(brokers);
        cachedTopics.keySet().retainAll(rules);
        connectionGauges.retainAll(brokers);
        droppedGauges.retainAll(brokers);
        connectionEnds.keySet().retainAll(brokers);
    }

    /** Removes every meter of the replication; later engine calls register nothing that stays. */
    void close() {
        closed = true;
        for (Meter meter : registered) {
            registry.remove(meter);
        }
        registered.clear();
    }

    private BrokerRuleCounters counters(String broker, String rule) {
        ConcurrentHashMap<String, BrokerRuleCounters> byRule = counters.get(broker);
        if (byRule == null) {
            byRule = counters.computeIfAbsent(broker, ignored -> new ConcurrentHashMap<>());
        }
        BrokerRuleCounters found = byRule.get(rule);
        if (found == null) {
            found = byRule.computeIfAbsent(rule, ignored -> new BrokerRuleCounters(broker, MeterNames.rule(rule)));
        }
        return found;
    }

    private Timer timer(String name, String description) {
        return track(Timer.builder(name)
                .description(description)
                .tag(REPLICATION, replication)
                .serviceLevelObjectives(MeterNames.BUCKETS)
                .register(registry));
    }

    private AtomicInteger gaugeValue(String name, String description, String tag, String value) {
        AtomicInteger holder = new AtomicInteger();
        track(Gauge.builder(name, holder, AtomicInteger::get)
                .description(description)
                .tags(REPLICATION, replication, tag, value)
                .strongReference(true)
                .register(registry));
        return holder;
    }

    private <M extends Meter> M track(M meter) {
        registered.add(meter);
        // a late call of a stopped engine must not leave a meter behind
        if (closed) {
            registry.remove(meter);
        }
        return meter;
    }

    /**
     * The counts of one (broker, rule), each registered on first use. A message only adds to a
     * {@link LongAdder}; the registry reads it at each scrape through a {@link FunctionCounter}, so
     * the hot path does not go through the composite registry's dispatch to its children.
     */
    private final class BrokerRuleCounters {
        private static final int RECEIVED = 0;
        private static final int FORWARDED = 1;
        private static final int PUBLISH_FAILURES = 2;
        private static final int DROPPED = 3; // then one per reason

        private final String broker;
        private final String rule;
        private final AtomicReferenceArray<LongAdder> counts = new AtomicReferenceArray<>(DROPPED + REASONS.length);

        BrokerRuleCounters(String broker, String rule) {
            this.broker = broker;
            this.rule = rule;
        }

        LongAdder received() {
            return count(RECEIVED, MeterNames.MESSAGES_RECEIVED, "Messages received from the broker", null);
        }

        LongAdder forwarded() {
            return count(FORWARDED, MeterNames.MESSAGES_FORWARDED, "Publishes issued to the broker", null);
        }

        LongAdder publishFailures() {
            return count(PUBLISH_FAILURES, MeterNames.PUBLISH_FAILURES, "Publishes to the broker that failed", null);
        }

        LongAdder dropped(DropReason reason) {
            return count(DROPPED + reason.ordinal(), MeterNames.MESSAGES_DROPPED, "Messages not forwarded, by reason", reason);
        }

        /**
         * The count in {@code slot}, registered on first use. Under the lock: a second registration
         * of the same meter would return the first one, reading another adder than the one counted.
         */
        private LongAdder count(int slot, String name, String description, DropReason reason) {
            LongAdder count = counts.get(slot);
            if (count == null) {
                synchronized (this) {
                    count = counts.get(slot);
                    if (count == null) {
                        count = new LongAdder();
                        FunctionCounter.Builder<LongAdder> meter = FunctionCounter.builder(name, count, LongAdder::doubleValue)
                                .description(description)
                                .tags(REPLICATION, replication, BROKER, broker, RULE, rule);
                        if (reason != null) {
                            meter.tag(REASON, MeterNames.reason(reason));
                        }
                        track(meter.register(registry));
                        counts.set(slot, count);
                    }
                }
            }
            return count;
        }
    }
}
