package io.mqttreplicator.testing;

import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts, per sequence number, how often messages published by {@link SequencePublisher} arrived on
 * one broker. It subscribes with a persistent session (fixed client id, clean session false) and
 * reconnects by itself, so it misses nothing while its broker restarts: the broker keeps its
 * messages in the session meanwhile (given persistence and a high enough {@code max_queued_messages}).
 */
public final class SequenceRecorder implements AutoCloseable {

    private final Mqtt3AsyncClient client;
    private final AtomicIntegerArray counts;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong foreign = new AtomicLong();

    private SequenceRecorder(Mqtt3AsyncClient client, int expected) {
        this.client = client;
        this.counts = new AtomicIntegerArray(expected);
    }

    /** Subscribes {@code filter} at QoS 1 on 127.0.0.1:{@code port} and waits for the SUBACK. */
    public static SequenceRecorder subscribe(int port, String clientId, String filter, int expected) {
        Mqtt3AsyncClient client = Mqtt3Client.builder()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(1, TimeUnit.SECONDS)
                .applyAutomaticReconnect()
                .buildAsync();
        SequenceRecorder recorder = new SequenceRecorder(client, expected);
        client.publishes(MqttGlobalPublishFilter.ALL, publish -> recorder.record(publish.getPayloadAsBytes()));
        try {
            client.connectWith().cleanSession(false).keepAlive(5).send().get(10, TimeUnit.SECONDS);
            client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not subscribe " + filter + " on port " + port, e);
        }
        return recorder;
    }

    /**
     * Publishes a probe on {@code share/a} of broker A and {@code share/b} of broker B every 250 ms
     * until one crossed each way: the replication links both brokers, on rules that carry those
     * topics, for recorders of them on the other broker.
     */
    public static void awaitCrossingBothWays(int portA, int portB, SequenceRecorder fromAOnB, SequenceRecorder fromBOnA) {
        try (TestMqttClient clientA = TestMqttClient.connect(portA); TestMqttClient clientB = TestMqttClient.connect(portB)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                clientA.publish("share/a", "probe", 1, false);
                clientB.publish("share/b", "probe", 1, false);
                return fromAOnB.foreign() > 0 && fromBOnA.foreign() > 0;
            });
        }
    }

    private void record(byte[] payload) {
        received.incrementAndGet();
        int sequence = SequencePublisher.sequenceOf(new String(payload, StandardCharsets.US_ASCII));
        if (sequence < 0 || sequence >= counts.length()) {
            foreign.incrementAndGet();
            return;
        }
        counts.incrementAndGet(sequence);
    }

    /** Messages received, duplicates included. */
    public long received() {
        return received.get();
    }

    /** Sequence numbers received at least once. */
    public int distinct() {
        int distinct = 0;
        for (int i = 0; i < counts.length(); i++) {
            if (counts.get(i) > 0) {
                distinct++;
            }
        }
        return distinct;
    }

    /** Sequence numbers of {@code 0..expected-1} never received. */
    public int missing() {
        return counts.length() - distinct();
    }

    /** Receipts beyond the first of each sequence number. */
    public long duplicates() {
        long duplicates = 0;
        for (int i = 0; i < counts.length(); i++) {
            duplicates += Math.max(0, counts.get(i) - 1);
        }
        return duplicates;
    }

    /** The lowest and highest sequence number received more than once, e.g. {@code 4120..4999}; "none" without duplicates. */
    public String duplicatedRange() {
        int first = -1;
        int last = -1;
        for (int i = 0; i < counts.length(); i++) {
            if (counts.get(i) > 1) {
                first = first < 0 ? i : first;
                last = i;
            }
        }
        return first < 0 ? "none" : first + ".." + last;
    }

    /** Messages whose payload was not a sequence number of this run. */
    public long foreign() {
        return foreign.get();
    }

    @Override
    public void close() {
        try {
            client.disconnect().get(10, TimeUnit.SECONDS);
        } catch (Exception alreadyGone) {
            // the broker may be down: nothing to release
        }
    }

    @Override
    public String toString() {
        return "SequenceRecorder[distinct=" + distinct() + "/" + counts.length() + ", duplicates=" + duplicates()
                + " in " + duplicatedRange() + ", received=" + received() + "]";
    }
}
