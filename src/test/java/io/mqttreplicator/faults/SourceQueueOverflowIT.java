package io.mqttreplicator.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.ReplicatorProgram;
import io.mqttreplicator.testing.SequencePublisher;
import io.mqttreplicator.testing.SequenceRecorder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mosquitto with more than 65,535 QoS 1 messages queued for the replicator, made on purpose: it then
 * reuses packet identifiers the replicator has not acknowledged yet, and a resumed session resends
 * more than 65,535 unacknowledged messages at once (eclipse-mosquitto #3601). A QoS 1 stream rule
 * from A to B and C, through the packaged replicator, over MQTT 3.1.1 and MQTT 5: every message
 * reaches both targets, with few duplicates, and the connection to A is never lost. Figures go to
 * stdout.
 */
class SourceQueueOverflowIT {

    /**
     * Well past 65,535: the identifiers go round more than once while messages are in flight. A
     * measurement can ask for more with {@code -Dburst.messages=1000000}.
     */
    static final int MESSAGES = Integer.getInteger("burst.messages", 150_000);
    static final String QUEUE_LIMIT = "max_queued_messages " + (MESSAGES * 2);
    /** The replicator's JVM as the image runs it in the Deployment (a 256 MiB heap): the memory figures mean something. */
    static final List<String> AS_SHIPPED = List.of(ReplicatorProgram.IMAGE_JVM_OPTIONS.split(" "));

    /**
     * The publisher runs at full speed, not paced by the replication (A acknowledges as soon as it
     * has queued), so A's queue for the replicator grows past 65,535 while the replicator forwards.
     */
    @ParameterizedTest(name = "MQTT protocol version {0}")
    @ValueSource(ints = {4, 5})
    void anOpenLoopBurstArrivesWholeWithoutAConnectionLoss(int protocolVersion) {
        try (MosquittoBroker a = MosquittoBroker.builder().name("a").config(QUEUE_LIMIT).start();
                MosquittoBroker b = MosquittoBroker.builder().name("b").config(QUEUE_LIMIT).start();
                MosquittoBroker c = MosquittoBroker.builder().name("c").config(QUEUE_LIMIT).start();
                SequenceRecorder onB = SequenceRecorder.subscribe(b.port(), "recorder-b", "stream/#", MESSAGES);
                SequenceRecorder onC = SequenceRecorder.subscribe(c.port(), "recorder-c", "stream/#", MESSAGES);
                ReplicatorProgram replicator = ReplicatorProgram.start("burst", streamFromA(protocolVersion, a, b, c),
                        AS_SHIPPED)) {
            StreamFaultsIT.awaitReplicating(a, onB, onC);

            long start = System.nanoTime();
            try (SequencePublisher publisher = SequencePublisher.start(a.port(), "stream/seq", MESSAGES, 1_000)) {
                await().atMost(Duration.ofSeconds(120)).until(publisher::finished);
                double publishSeconds = (System.nanoTime() - start) / 1e9;
                awaitEverything(onB, onC);
                double allSeconds = (System.nanoTime() - start) / 1e9;
                assertThat(publisher.acknowledged()).isEqualTo(MESSAGES);
                System.out.printf("open-loop burst, MQTT %s: %d messages published in %.1f s, all on B and C after %.1f s;"
                        + " replicator peak RSS %s; B %s; C %s%n", version(protocolVersion), MESSAGES, publishSeconds,
                        allSeconds, peakRss(replicator), onB, onC);
            }
            assertFewDuplicates(onB, onC);
            assertThat(replicator.output()).as("the connection to A never ended")
                    .doesNotContain("Broker 'a': connection to").doesNotContain("ERROR");
        }
    }

    /**
     * The replicator is away while the burst queues on A; when it comes back, its resumed session
     * gets the whole queue, resent under reused identifiers.
     */
    @ParameterizedTest(name = "MQTT protocol version {0}")
    @ValueSource(ints = {4, 5})
    void aResumedSessionWithTheWholeBurstQueuedDeliversItAll(int protocolVersion) {
        try (MosquittoBroker a = MosquittoBroker.builder().name("a").config(QUEUE_LIMIT).start();
                MosquittoBroker b = MosquittoBroker.builder().name("b").config(QUEUE_LIMIT).start();
                MosquittoBroker c = MosquittoBroker.builder().name("c").config(QUEUE_LIMIT).start();
                SequenceRecorder onB = SequenceRecorder.subscribe(b.port(), "recorder-b", "stream/#", MESSAGES);
                SequenceRecorder onC = SequenceRecorder.subscribe(c.port(), "recorder-c", "stream/#", MESSAGES);
                ReplicatorProgram replicator = ReplicatorProgram.start("resume", streamFromA(protocolVersion, a, b, c),
                        AS_SHIPPED)) {
            StreamFaultsIT.awaitReplicating(a, onB, onC);
            replicator.stop();

            try (SequencePublisher publisher = SequencePublisher.start(a.port(), "stream/seq", MESSAGES, 1_000)) {
                await().atMost(Duration.ofSeconds(120)).until(publisher::finished);
                assertThat(publisher.acknowledged()).isEqualTo(MESSAGES);
            }
            assertThat(onB.distinct()).as("nothing forwarded while the replicator was away").isZero();

            long start = System.nanoTime();
            replicator.restart();
            awaitEverything(onB, onC);
            System.out.printf("resumed session with %d queued, MQTT %s: all on B and C %.1f s after the restart;"
                    + " replicator peak RSS %s; B %s; C %s%n", MESSAGES, version(protocolVersion),
                    (System.nanoTime() - start) / 1e9, peakRss(replicator), onB, onC);
            assertFewDuplicates(onB, onC);
            assertThat(replicator.output()).as("the resumed connection to A never ended")
                    .doesNotContain("Broker 'a': connection to").doesNotContain("ERROR");
        }
    }

    private static void awaitEverything(SequenceRecorder onB, SequenceRecorder onC) {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
                .until(() -> onB.distinct() == MESSAGES && onC.distinct() == MESSAGES);
        assertThat(onB.missing()).isZero();
        assertThat(onC.missing()).isZero();
    }

    /** At least once, and no replay: at most 1 % of the burst twice. */
    private static void assertFewDuplicates(SequenceRecorder onB, SequenceRecorder onC) {
        assertThat(onB.duplicates()).isLessThanOrEqualTo(MESSAGES / 100);
        assertThat(onC.duplicates()).isLessThanOrEqualTo(MESSAGES / 100);
    }

    /** The replicator process's peak resident memory, from /proc (for the figures only). */
    private static String peakRss(ReplicatorProgram replicator) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(replicator.pid()), "status")).stream()
                    .filter(line -> line.startsWith("VmHWM:")).map(line -> line.substring(6).trim()).findFirst()
                    .orElse("unknown");
        } catch (IOException | UncheckedIOException e) {
            return "unknown";
        }
    }

    private static String version(int protocolVersion) {
        return protocolVersion == 5 ? "5" : "3.1.1";
    }

    /** A stream rule for {@code stream/#}, QoS 1, from A to B and C; persistent sessions (the default). */
    private static Map<String, String> streamFromA(int protocolVersion, MosquittoBroker a, MosquittoBroker b,
            MosquittoBroker c) {
        Map<String, String> env = new LinkedHashMap<>();
        String config = "{\"protocolVersion\": " + protocolVersion + "}";
        env.put("MQTTREP_CLIENT_a", a.url());
        env.put("MQTTREP_CLIENT_b", b.url());
        env.put("MQTTREP_CLIENT_c", c.url());
        env.put("MQTTREP_CONFIG_a", config);
        env.put("MQTTREP_CONFIG_b", config);
        env.put("MQTTREP_CONFIG_c", config);
        env.put("MQTTREP_TOPIC_s", "stream/#");
        env.put("MQTTREP_MODE_s", "stream");
        env.put("MQTTREP_QOS_s", "1");
        env.put("MQTTREP_SUBSCRIBE_WHITELIST_s", "a");
        return env;
    }
}
