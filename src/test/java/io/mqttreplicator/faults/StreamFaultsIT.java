package io.mqttreplicator.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.ReplicatorProgram;
import io.mqttreplicator.testing.SequencePublisher;
import io.mqttreplicator.testing.SequenceRecorder;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A QoS 1 stream rule from A to B and C through the packaged replicator, while a process dies: every
 * message reaches every target (at least once), because the source's PUBACK waits for every target
 * and the sessions are persistent. The figures (duplicates) go to stdout.
 */
class StreamFaultsIT {

    static final int MESSAGES = 20_000;
    /** Above the backlog the brokers hold for a stopped client in these tests (Mosquitto's default is 1000). */
    static final String QUEUE_LIMIT = "max_queued_messages " + (MESSAGES * 2);

    @Test
    void replicatorKilledMidStreamAndRestartedLosesNothing() {
        try (MosquittoBroker a = MosquittoBroker.builder().name("a").config(QUEUE_LIMIT).start();
                MosquittoBroker b = MosquittoBroker.builder().name("b").config(QUEUE_LIMIT).start();
                MosquittoBroker c = MosquittoBroker.builder().name("c").config(QUEUE_LIMIT).start();
                SequenceRecorder onB = SequenceRecorder.subscribe(b.port(), "recorder-b", "stream/#", MESSAGES);
                SequenceRecorder onC = SequenceRecorder.subscribe(c.port(), "recorder-c", "stream/#", MESSAGES);
                ReplicatorProgram replicator = ReplicatorProgram.start("stream", streamFromA(a, b, c))) {
            awaitReplicating(a, onB, onC);

            try (SequencePublisher publisher = SequencePublisher.start(a.port(), "stream/seq", MESSAGES, 200)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> onB.distinct() >= MESSAGES / 4 && onC.distinct() >= MESSAGES / 4);
                replicator.kill();
                int onBAtKill = onB.distinct();
                assertThat(onBAtKill).as("killed in the middle of the stream").isLessThan(MESSAGES);

                replicator.restart();

                await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
                        .until(() -> onB.distinct() == MESSAGES && onC.distinct() == MESSAGES);
                assertThat(publisher.acknowledged()).isEqualTo(MESSAGES);
                assertThat(onB.missing()).isZero();
                assertThat(onC.missing()).isZero();
                System.out.printf("fault replicator-kill-9: %d messages, killed at %d on B; B %s; C %s%n",
                        MESSAGES, onBAtKill, onB, onC);
                // Duplicates are the messages whose PUBACK had not reached A: up to the engine's in-flight
                // bound, plus the PUBACKs still in A's socket buffer, which the kernel discards with the
                // reset of a killed process. Never a replay of the whole stream.
                assertThat(onB.duplicates()).isLessThan(MESSAGES / 2);
                assertThat(onC.duplicates()).isLessThan(MESSAGES / 2);
            }
            assertThat(replicator.starts()).isEqualTo(2);
        }
    }

    @Test
    void targetBrokerStoppedMidStreamGetsEveryMessageWhenBack() {
        try (MosquittoBroker a = MosquittoBroker.builder().name("a").config(QUEUE_LIMIT).start();
                MosquittoBroker b = MosquittoBroker.builder().name("b").persistence(true).config(QUEUE_LIMIT).start();
                MosquittoBroker c = MosquittoBroker.builder().name("c").config(QUEUE_LIMIT).start();
                SequenceRecorder onB = SequenceRecorder.subscribe(b.port(), "recorder-b", "stream/#", MESSAGES);
                SequenceRecorder onC = SequenceRecorder.subscribe(c.port(), "recorder-c", "stream/#", MESSAGES);
                ReplicatorProgram replicator = ReplicatorProgram.start("stream", streamFromA(a, b, c))) {
            awaitReplicating(a, onB, onC);

            try (SequencePublisher publisher = SequencePublisher.start(a.port(), "stream/seq", MESSAGES, 200)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> onB.distinct() >= MESSAGES / 4);
                b.stop();
                int onBAtStop = onB.distinct();
                replicator.awaitOutput("Broker 'b': connection to", 1, Duration.ofSeconds(30));
                // C goes on only up to the in-flight bound: the source's PUBACK waits for B too
                await().atMost(Duration.ofSeconds(30)).until(() -> onC.distinct() > onBAtStop);

                b.restart();

                await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
                        .until(() -> onB.distinct() == MESSAGES && onC.distinct() == MESSAGES);
                assertThat(publisher.acknowledged()).isEqualTo(MESSAGES);
                assertThat(onB.missing()).isZero();
                assertThat(onC.missing()).isZero();
                System.out.printf("fault target-broker-restart: %d messages, B stopped at %d; B %s; C %s%n",
                        MESSAGES, onBAtStop, onB, onC);
            }
            assertThat(replicator.isRunning()).isTrue();
        }
    }

    /** A stream rule for {@code stream/#}, QoS 1, taken from A only and published to B and C; persistent sessions (the default). */
    private static Map<String, String> streamFromA(MosquittoBroker a, MosquittoBroker b, MosquittoBroker c) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MQTTREP_CLIENT_a", a.url());
        env.put("MQTTREP_CLIENT_b", b.url());
        env.put("MQTTREP_CLIENT_c", c.url());
        env.put("MQTTREP_CONFIG_b", "{\"reconnectPeriod\": 200}");
        env.put("MQTTREP_TOPIC_s", "stream/#");
        env.put("MQTTREP_MODE_s", "stream");
        env.put("MQTTREP_QOS_s", "1");
        env.put("MQTTREP_SUBSCRIBE_WHITELIST_s", "a");
        return env;
    }

    /** Publishes a probe on A until it arrives on B and C: the replicator runs and has subscribed. */
    static void awaitReplicating(MosquittoBroker a, SequenceRecorder... targets) {
        try (TestMqttClient onA = TestMqttClient.connect(a.port())) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                onA.publish("stream/probe", "probe", 1, false);
                for (SequenceRecorder target : targets) {
                    if (target.foreign() == 0) {
                        return false;
                    }
                }
                return true;
            });
        }
    }
}
