package io.mqttreplicator.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The subscriber on the target broker. It records, per sequence number, how often the measured message arrived and
 * the latency of its first arrival; it counts warmup messages and notices probes.
 */
final class Receiver implements AutoCloseable {

    /** What arrived so far. Latencies are those of first arrivals, sorted, in nanoseconds. */
    record Snapshot(int delivered, int duplicates, int reordered, long lastReceiveNanos, long[] sortedLatencies) {

        double percentileMillis(double fraction) {
            if (sortedLatencies.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(fraction * sortedLatencies.length);
            return sortedLatencies[Math.max(0, rank - 1)] / 1e6;
        }

        double maxMillis() {
            return sortedLatencies.length == 0 ? Double.NaN : sortedLatencies[sortedLatencies.length - 1] / 1e6;
        }
    }

    private final Mqtt3AsyncClient client;
    private final byte[] arrivals;
    private final long[] latencies;
    private int delivered;
    private int duplicates;
    private int reordered;
    private long highestSequence = -1;
    private long lastReceiveNanos;
    private long warmups;
    private long unexpected;
    private volatile boolean probeSeen;
    private volatile Runnable onArrival = () -> { };

    private Receiver(Mqtt3AsyncClient client, int expected) {
        this.client = client;
        this.arrivals = new byte[expected];
        this.latencies = new long[expected];
    }

    /** Connects and subscribes; returns once the broker has acknowledged the subscription. */
    static Receiver subscribe(String clientId, int port, String filter, MqttQos qos, int expected) throws Exception {
        Mqtt3AsyncClient client = MqttClient.builder().useMqttVersion3()
                .identifier(clientId).serverHost("127.0.0.1").serverPort(port)
                .buildAsync();
        Receiver receiver = new Receiver(client, expected);
        client.connectWith().cleanSession(true).keepAlive(60).send().get(10, TimeUnit.SECONDS);
        client.subscribeWith().topicFilter(filter).qos(qos).callback(receiver::onMessage).send()
                .get(10, TimeUnit.SECONDS);
        return receiver;
    }

    private void onMessage(Mqtt3Publish publish) {
        long now = System.nanoTime();
        ByteBuffer payload = publish.getPayload().orElse(ByteBuffer.allocate(0));
        BenchPayload.Kind kind = BenchPayload.kind(payload);
        if (kind == BenchPayload.Kind.PROBE) {
            probeSeen = true;
        } else if (kind == BenchPayload.Kind.WARMUP) {
            synchronized (this) {
                warmups++;
            }
            onArrival.run();
        } else if (kind == BenchPayload.Kind.LOAD) {
            record(BenchPayload.sequence(payload), now - BenchPayload.sendNanos(payload), now);
        } else {
            synchronized (this) {
                unexpected++;
            }
        }
    }

    private synchronized void record(long sequence, long latencyNanos, long now) {
        if (sequence < 0 || sequence >= arrivals.length) {
            unexpected++;
            return;
        }
        int index = (int) sequence;
        if (arrivals[index] == 0) {
            latencies[delivered] = latencyNanos;
            delivered++;
            onArrival.run();
            if (sequence < highestSequence) {
                reordered++;
            }
            highestSequence = Math.max(highestSequence, sequence);
        } else {
            duplicates++;
        }
        if (arrivals[index] < Byte.MAX_VALUE) {
            arrivals[index]++;
        }
        lastReceiveNanos = now;
    }

    /** Called on the first arrival of each measured message and on every warmup message. */
    void onArrival(Runnable listener) {
        this.onArrival = listener;
    }

    boolean probeSeen() {
        return probeSeen;
    }

    synchronized long warmups() {
        return warmups;
    }

    synchronized int delivered() {
        return delivered;
    }

    synchronized long unexpected() {
        return unexpected;
    }

    synchronized Snapshot snapshot() {
        long[] sorted = Arrays.copyOf(latencies, delivered);
        Arrays.sort(sorted);
        return new Snapshot(delivered, duplicates, reordered, lastReceiveNanos, sorted);
    }

    @Override
    public void close() {
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // already disconnected or the broker is gone: nothing left to release
        }
    }
}
