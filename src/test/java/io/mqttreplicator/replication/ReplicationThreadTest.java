package io.mqttreplicator.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.broker.ConnectionState;
import io.mqttreplicator.engine.EngineListener;
import io.mqttreplicator.engine.Rules;
import io.mqttreplicator.testing.Definitions;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * A replication's broker connections share one thread of its own: a message is received, forwarded
 * and its targets' acknowledgements handled there, without a hand-over between threads.
 */
class ReplicationThreadTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(10);

    /** The threads each replication's engine was called on: receiving, and a forward's last acknowledgement. */
    private final Map<String, Set<String>> threads = new ConcurrentHashMap<>();

    private final ReplicationObserver recorder = new ReplicationObserver() {
        @Override
        public EngineListener engineListener(String replication) {
            Set<String> names = threads.computeIfAbsent(replication, ignored -> ConcurrentHashMap.newKeySet());
            return new EngineListener() {
                @Override
                public void received(String broker, String rule) {
                    names.add(Thread.currentThread().getName());
                }

                @Override
                public void forwardLatency(long nanos) {
                    names.add(Thread.currentThread().getName());
                }
            };
        }
    };

    @Test
    void eachReplicationReceivesForwardsAndIsAcknowledgedOnOneThreadOfItsOwn() {
        ReplicationManager manager = new ReplicationManager(List.of(recorder));
        try (MosquittoBroker a = MosquittoBroker.builder().name("a").start();
                MosquittoBroker b = MosquittoBroker.builder().name("b").start();
                TestMqttClient onB = TestMqttClient.connect(b.port()).subscribe("#", 1);
                TestMqttClient onA = TestMqttClient.connect(a.port())) {
            for (String replication : List.of("one", "two")) {
                manager.apply(new ReplicationDefinition(replication, 1,
                        List.of(Definitions.broker("a-" + replication, a.url()), Definitions.broker("b-" + replication, b.url())),
                        List.of(Rules.stream(replication, replication + "/#").build())));
            }
            await().atMost(ARRIVAL).until(() -> List.of("one", "two").stream().allMatch(replication ->
                    manager.channels(replication).orElseThrow().values().stream()
                            .allMatch(channel -> channel.state() == ConnectionState.CONNECTED)));

            for (int i = 0; i < 50; i++) {
                onA.publish("one/" + i, "m" + i, 1, false);
                onA.publish("two/" + i, "m" + i, 1, false);
            }
            await().atMost(ARRIVAL).until(() -> onB.received().size() == 100);

            // the last forward's acknowledgement is counted just after the target acknowledged it
            await().atMost(ARRIVAL).untilAsserted(() -> {
                assertThat(threads.get("one")).singleElement().asString().startsWith("mqtt-replicator-one-");
                assertThat(threads.get("two")).singleElement().asString().startsWith("mqtt-replicator-two-");
            });
        } finally {
            manager.stopAll();
        }
        await().atMost(ARRIVAL).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().startsWith("mqtt-replicator-one-")
                        || thread.getName().startsWith("mqtt-replicator-two-")));
    }
}
