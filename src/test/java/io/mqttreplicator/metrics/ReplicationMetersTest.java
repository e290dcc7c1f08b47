package io.mqttreplicator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mqttreplicator.engine.EngineListener;
import io.mqttreplicator.engine.EngineListener.DropReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReplicationMetersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ReplicationMeters meters = new ReplicationMeters(registry, "r");

    @Test
    void registersACounterOnceAndThenOnlyCounts() {
        AtomicInteger added = new AtomicInteger();
        registry.config().onMeterAdded(meter -> added.incrementAndGet());

        for (int i = 0; i < 1000; i++) {
            meters.received("a", "events");
            meters.dropped("b", "events", DropReason.ECHO);
        }

        assertThat(added).hasValue(2);
        assertThat(registry.get(MeterNames.MESSAGES_RECEIVED).tags("replication", "r", "broker", "a", "rule", "events").functionCounter().count())
                .isEqualTo(1000);
        assertThat(registry.get(MeterNames.MESSAGES_DROPPED).tags("broker", "b", "reason", "echo").functionCounter().count()).isEqualTo(1000);
    }

    @Test
    void connectionEndsAreCountedByWhoEndedThemAndGoWithTheirBroker() {
        meters.connectionEnded("a", "replicator");
        meters.connectionEnded("a", "replicator");
        meters.connectionEnded("a", "broker");
        meters.connectionEnded("b", "network");

        assertThat(registry.get(MeterNames.CONNECTIONS_ENDED).tags("broker", "a", "origin", "replicator").counter().count())
                .isEqualTo(2);
        assertThat(registry.get(MeterNames.CONNECTIONS_ENDED).tags("broker", "a", "origin", "broker").counter().count())
                .isEqualTo(1);

        meters.retainOnly(Set.of("b"), Set.of());

        assertThat(registry.find(MeterNames.CONNECTIONS_ENDED).tags("broker", "a").counters()).isEmpty();
        assertThat(registry.get(MeterNames.CONNECTIONS_ENDED).tags("broker", "b").counter().count()).isEqualTo(1);
    }

    @Test
    void threadsCountingFirstAtOnceAllCountOnOneRegisteredCounter() throws Exception {
        int threads = 4;
        int each = 10_000;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> counting = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                counting.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        meters.forwarded("a", "events");
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> done : counting) {
                done.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(registry.find(MeterNames.MESSAGES_FORWARDED).meters()).hasSize(1);
        assertThat(registry.get(MeterNames.MESSAGES_FORWARDED).functionCounter().count()).isEqualTo(threads * each);
    }

    @Test
    void messagesNoRuleMatchesAreTaggedWithAReservedRuleName() {
        meters.dropped("a", EngineListener.NO_RULE, DropReason.IGNORED);

        assertThat(registry.get(MeterNames.MESSAGES_DROPPED).tags("rule", MeterNames.NO_RULE, "reason", "ignored").functionCounter().count())
                .isEqualTo(1);
    }

    @Test
    void aChangedReplicationLosesTheMetersOfItsRemovedBrokersAndRules() {
        meters.received("a", "events");
        meters.received("b", "events");
        meters.received("a", "old");
        meters.dropped("a", EngineListener.NO_RULE, DropReason.IGNORED);
        meters.inFlight("b", 3);
        meters.cachedTopics("old", 2);
        meters.connectionGauge("b", () -> 1);

        meters.retainOnly(Set.of("a"), Set.of("events"));

        assertThat(tags("broker")).containsOnly("a");
        assertThat(tags("rule")).containsOnly("events", MeterNames.NO_RULE);
        meters.received("b", "events");
        assertThat(registry.get(MeterNames.MESSAGES_RECEIVED).tags("broker", "b").functionCounter().count())
                .as("counted again from zero").isEqualTo(1);
    }

    @Test
    void closingRemovesEveryMeterAndALateEngineCallLeavesNoneBehind() {
        meters.received("a", "events");
        meters.forwardLatency(1_000_000);
        meters.inFlight("a", 1);
        meters.connectionGauge("a", () -> 1);

        meters.close();
        meters.publishFailed("b", "events");

        assertThat(registry.getMeters()).isEmpty();
    }

    private List<String> tags(String key) {
        return registry.getMeters().stream().map(Meter::getId).map(id -> id.getTag(key)).filter(value -> value != null).toList();
    }
}
