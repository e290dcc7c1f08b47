package io.mqttreplicator.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.testing.FreePorts;
import io.mqttreplicator.testing.HiveMqBroker;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.ReplicatorProgram;
import io.mqttreplicator.testing.SequencePublisher;
import io.mqttreplicator.testing.SequenceRecorder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scale-out with a shared subscription ({@code $share/rep/share/#}, stream, QoS 1, MQTT 5): two
 * replicator processes with the same configuration, writers on both brokers at once. Every
 * message reaches the other broker (at least once, duplicates counted), the two instances split the
 * work (their metrics say how), no forward comes back to its source broker, and killing one
 * instance (SIGKILL) in the middle loses nothing once it is back. Broker A is Mosquitto or HiveMQ CE;
 * B is Mosquitto.
 */
class SharedSubscriptionIT {

    static final int MESSAGES = 20_000;
    static final String QUEUE_LIMIT = "max_queued_messages " + (MESSAGES * 4);

    @ParameterizedTest(name = "broker A: {0}")
    @ValueSource(strings = {"mosquitto", "hivemq"})
    void twoInstancesSplitTheMessagesAndLoseNoneWhenOneIsKilled(String brokerA) throws Exception {
        try (Broker a = Broker.start(brokerA);
                MosquittoBroker b = MosquittoBroker.builder().name("b").config(QUEUE_LIMIT).start();
                SequenceRecorder fromAOnB = SequenceRecorder.subscribe(b.port(), "recorder-ab", "share/a", MESSAGES);
                SequenceRecorder fromBOnA = SequenceRecorder.subscribe(a.port(), "recorder-ba", "share/b", MESSAGES);
                SequenceRecorder ownOnA = SequenceRecorder.subscribe(a.port(), "recorder-aa", "share/a", MESSAGES);
                SequenceRecorder ownOnB = SequenceRecorder.subscribe(b.port(), "recorder-bb", "share/b", MESSAGES);
                ReplicatorProgram first = ReplicatorProgram.start("shared-1", environment(a.url(), b.url(), "replicator-1"));
                ReplicatorProgram second = ReplicatorProgram.start("shared-2", environment(a.url(), b.url(), "replicator-2"))) {
            SequenceRecorder.awaitCrossingBothWays(a.port(), b.port(), fromAOnB, fromBOnA);

            try (SequencePublisher onA = SequencePublisher.start(a.port(), "share/a", MESSAGES, 200);
                    SequencePublisher onB = SequencePublisher.start(b.port(), "share/b", MESSAGES, 200)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> fromAOnB.distinct() >= MESSAGES / 4);
                Map<String, Double> beforeKill = forwarded(first, second);
                second.kill();
                int onBAtKill = fromAOnB.distinct();
                await().atMost(Duration.ofSeconds(60)).until(() -> fromAOnB.distinct() > onBAtKill + 1_000);
                int carriedAlone = fromAOnB.distinct() - onBAtKill;
                second.restart();

                await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
                        .until(() -> fromAOnB.distinct() == MESSAGES && fromBOnA.distinct() == MESSAGES);
                assertThat(onA.acknowledged()).isEqualTo(MESSAGES);
                assertThat(onB.acknowledged()).isEqualTo(MESSAGES);
                assertThat(fromAOnB.missing()).isZero();
                assertThat(fromBOnA.missing()).isZero();
                assertThat(beforeKill.values()).as("both instances forwarded a share: %s", beforeKill).allMatch(count -> count > 0);
                System.out.printf("shared subscription, A %s: %d messages each way; forwarded before the kill %s;"
                        + " instance 1 alone carried %d messages A to B while instance 2 was down; A to B %s; B to A %s%n",
                        brokerA, MESSAGES, beforeKill, carriedAlone, fromAOnB, fromBOnA);
            }
            // a forward coming back to its source would be a second copy for the subscriber there
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> ownOnA.duplicates() == 0 && ownOnB.duplicates() == 0);
            assertThat(ownOnA.distinct()).isEqualTo(MESSAGES);
            assertThat(ownOnB.distinct()).isEqualTo(MESSAGES);
        }
    }

    /** Messages forwarded so far by each running instance, from its /q/metrics. */
    private static Map<String, Double> forwarded(ReplicatorProgram... instances) {
        Map<String, Double> counts = new LinkedHashMap<>();
        for (int i = 0; i < instances.length; i++) {
            counts.put("instance " + (i + 1), instances[i].forwardedMessages());
        }
        return counts;
    }

    private static Map<String, String> environment(String urlA, String urlB, String instance) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MQTTREP_CLIENT_a", urlA);
        env.put("MQTTREP_CLIENT_b", urlB);
        env.put("MQTTREP_CONFIG_a", "{\"protocolVersion\": 5, \"reconnectPeriod\": 200}");
        env.put("MQTTREP_CONFIG_b", "{\"protocolVersion\": 5, \"reconnectPeriod\": 200}");
        env.put("MQTTREP_TOPIC_s", "$share/rep/share/#");
        env.put("MQTTREP_MODE_s", "stream");
        env.put("MQTTREP_QOS_s", "1");
        env.put("MQTTREP_INSTANCE", instance);
        env.put("QUARKUS_HTTP_PORT", String.valueOf(FreePorts.next()));
        return env;
    }

    /** Broker A: a Mosquitto process or an embedded HiveMQ CE. */
    private record Broker(String url, int port, AutoCloseable resource) implements AutoCloseable {
        static Broker start(String kind) {
            if (kind.equals("hivemq")) {
                HiveMqBroker hivemq = HiveMqBroker.start();
                return new Broker("mqtt://127.0.0.1:" + hivemq.port(), hivemq.port(), hivemq);
            }
            MosquittoBroker mosquitto = MosquittoBroker.builder().name("a").config(QUEUE_LIMIT).start();
            return new Broker(mosquitto.url(), mosquitto.port(), mosquitto);
        }

        @Override
        public void close() throws Exception {
            resource.close();
        }
    }
}
