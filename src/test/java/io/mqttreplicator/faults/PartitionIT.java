package io.mqttreplicator.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.ReplicatorProgram;
import io.mqttreplicator.testing.SequencePublisher;
import io.mqttreplicator.testing.SequenceRecorder;
import io.mqttreplicator.testing.TcpProxy;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The link between the packaged replicator and broker B goes silent for 30 s (a {@link TcpProxy}
 * blackhole: no reset, no end of stream), then heals. The replicator's keep-alive (2 s, set in
 * MQTTREP_CONFIG_b) must find the dead link; afterwards a QoS 1 stream has lost nothing and the state
 * rules converge without bringing back a value deleted on A during the partition, and a topic
 * written on both sides converges to one value on both: for {@code biggest}, the bigger one.
 */
class PartitionIT {

    private static final int MESSAGES = 5_000;
    private static final Duration PARTITION = Duration.ofSeconds(30);

    @Test
    void blackholedBrokerCatchesUpAfterHealingWithoutLossOrResurrection() {
        try (MosquittoBroker a = MosquittoBroker.builder().name("a").config("max_queued_messages 20000").start();
                MosquittoBroker b = MosquittoBroker.builder().name("b").config("max_queued_messages 20000").start();
                TcpProxy linkToB = TcpProxy.start(b.port());
                SequenceRecorder onB = SequenceRecorder.subscribe(b.port(), "recorder-b", "stream/#", MESSAGES);
                TestMqttClient onA = TestMqttClient.connect(a.port());
                TestMqttClient writerOnB = TestMqttClient.connect(b.port());
                ReplicatorProgram replicator = ReplicatorProgram.start("partition", environment(a, linkToB))) {
            StreamFaultsIT.awaitReplicating(a, onB);
            onA.publish("state/kept", "v1", 1, true);
            onA.publish("state/gone", "doomed", 1, true);
            await().atMost(Duration.ofSeconds(20)).until(() -> retained(b).equals(Map.of("state/kept", "v1", "state/gone", "doomed")));

            try (SequencePublisher publisher = SequencePublisher.start(a.port(), "stream/seq", MESSAGES, 100)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> onB.distinct() >= MESSAGES / 5);
                linkToB.blackhole();
                long partitionStart = System.nanoTime();
                int onBAtPartition = onB.distinct();

                onA.publish("state/gone", "", 1, true);
                onA.publish("state/kept", "v2-from-a", 1, true);
                writerOnB.publish("state/from-b", "written-on-b", 1, true);
                // the same topics written on both sides of the partition
                onA.publish("state/both", "from-a", 1, true);
                writerOnB.publish("state/both", "from-b", 1, true);
                onA.publish("max/both", "7", 1, true);
                writerOnB.publish("max/both", "9", 1, true);
                replicator.awaitOutput("Broker 'b': connection to", 1, Duration.ofSeconds(20));
                long detectedMillis = (System.nanoTime() - partitionStart) / 1_000_000;
                assertThat(linkToB.droppedBytes()).as("the replicator kept sending into the blackhole").isPositive();
                assertThat(retained(a)).as("A during the partition").isEqualTo(Map.of("state/kept", "v2-from-a", "state/both", "from-a"));

                // the partition lasts 30 s, and nothing crosses the blackhole all that time
                Duration remaining = PARTITION.minusMillis(Math.min(detectedMillis, PARTITION.toMillis() - 1));
                await().during(remaining).atMost(remaining.plusSeconds(10)).pollInterval(Duration.ofMillis(500))
                        .until(() -> onB.distinct() <= onBAtPartition + 1000);
                assertThat(onB.distinct()).as("nothing crossed the blackhole").isLessThanOrEqualTo(onBAtPartition + 1000);
                linkToB.heal();
                long healed = System.nanoTime();

                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                        .until(() -> onB.distinct() == MESSAGES);
                long recoveredMillis = (System.nanoTime() - healed) / 1_000_000;
                Map<String, String> converged = Map.of("state/kept", "v2-from-a", "state/from-b", "written-on-b");
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    Map<String, String> stateOnA = retained(a);
                    // lastwin: one of the two concurrent writes, the same on both brokers
                    assertThat(retained(b)).as("B, with A holding %s", stateOnA).isEqualTo(stateOnA);
                    assertThat(stateOnA).containsAllEntriesOf(converged).hasSize(converged.size() + 1);
                    assertThat(stateOnA.get("state/both")).isIn("from-a", "from-b");
                });
                // biggest: the bigger of the two concurrent writes, whichever arrived last
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(retained(a, "max/#")).as("A").isEqualTo(Map.of("max/both", "9"));
                    assertThat(retained(b, "max/#")).as("B").isEqualTo(Map.of("max/both", "9"));
                });
                assertThat(onB.missing()).isZero();
                assertThat(publisher.acknowledged()).isEqualTo(MESSAGES);
                System.out.printf("fault blackhole-30s: %d messages, partition at %d on B, dead link detected after %d ms,"
                        + " all delivered %d ms after healing; B %s%n", MESSAGES, onBAtPartition, detectedMillis,
                        recoveredMillis, onB);
            }
            // the deleted value stays deleted on both through more merge ticks (5 per second)
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> !retained(a).containsKey("state/gone") && !retained(b).containsKey("state/gone"));
        }
    }

    private static Map<String, String> environment(MosquittoBroker a, TcpProxy linkToB) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MQTTREP_CLIENT_a", a.url());
        env.put("MQTTREP_CLIENT_b", linkToB.url());
        env.put("MQTTREP_CONFIG_b", "{\"keepalive\": 2, \"connectTimeout\": 2000, \"reconnectPeriod\": 500}");
        env.put("MQTTREP_TOPIC_s", "stream/#");
        env.put("MQTTREP_MODE_s", "stream");
        env.put("MQTTREP_SUBSCRIBE_WHITELIST_s", "a");
        env.put("MQTTREP_TOPIC_state", "state/#");
        env.put("MQTTREP_RETAIN_state", "true");
        env.put("MQTTREP_TOPIC_max", "max/#");
        env.put("MQTTREP_RETAIN_max", "true");
        env.put("MQTTREP_MERGE_max", "biggest");
        env.put("MQTTREP_MERGE_FREQUENCY", "5");
        return env;
    }

    /**
     * The retained messages under {@code state/#} on a broker: a fresh client subscribes, then waits for
     * its own probe, which the broker sends after the retained messages of the earlier subscription.
     */
    static Map<String, String> retained(MosquittoBroker broker) {
        return retained(broker, "state/#");
    }

    static Map<String, String> retained(MosquittoBroker broker, String filter) {
        String prefix = filter.substring(0, filter.length() - 1);
        try (TestMqttClient client = TestMqttClient.connect(broker.port())) {
            client.subscribe(filter, 1);
            client.subscribe("probe/retained", 1);
            client.publish("probe/retained", "probe", 1, false);
            await().atMost(Duration.ofSeconds(10)).until(() -> !client.received("probe/retained").isEmpty());
            Map<String, String> retained = new TreeMap<>();
            for (TestMqttClient.Received message : client.received()) {
                if (message.retain() && message.topic().startsWith(prefix)) {
                    retained.put(message.topic(), message.text());
                }
            }
            return retained;
        }
    }
}
