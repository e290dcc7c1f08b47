package io.mqttreplicator.bench;

import com.hivemq.client.mqtt.datatypes.MqttQos;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;

/**
 * The subscriber on the target broker. It records, per sequence number, how often the measured message arrived and
 * the latency of its first arrival; it counts warmup messages and notices probes.
 * <p>
 * It speaks MQTT 3.1.1 itself ({@link WireMqtt}): one reader thread decodes the PUBLISH frames of each read straight
 * from its buffer and answers the QoS 1 ones with one write of all their PUBACKs. A message's arrival time is when
 * the read that completed it returned. QoS 2 is refused: no load subscribes at QoS 2.
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

    private static final int SUBSCRIBE_PACKET_ID = 1;

    private final WireConnection connection;
    private final byte[] arrivals;
    private final long[] latencies;
    private final CompletableFuture<Void> subscribed = new CompletableFuture<>();
    private int delivered;
    private int duplicates;
    private int reordered;
    private long highestSequence = -1;
    private long lastReceiveNanos;
    private long warmups;
    private long unexpected;
    private volatile boolean probeSeen;
    private volatile IntConsumer onArrival = count -> { };

    private Receiver(WireConnection connection, int expected) {
        this.connection = connection;
        this.arrivals = new byte[expected];
        this.latencies = new long[expected];
    }

    /** Connects and subscribes; returns once the broker has acknowledged the subscription. */
    static Receiver subscribe(String clientId, int port, String filter, MqttQos qos, int expected)
            throws IOException, InterruptedException, ExecutionException, TimeoutException {
        if (qos.getCode() > 1) {
            throw new IllegalArgumentException("the benchmark's subscriber takes QoS 0 and 1, not " + qos.getCode()
                    + ": no load uses QoS 2");
        }
        WireConnection connection = WireConnection.connect(clientId, port);
        Receiver receiver = new Receiver(connection, expected);
        try {
            connection.start("bench-receiver", receiver.new PublishReader(qos.getCode() > 0));
            ByteBuffer subscribe = ByteBuffer.allocate(16 + filter.length() * 4);
            WireMqtt.putSubscribe(subscribe, SUBSCRIBE_PACKET_ID, filter, qos.getCode());
            connection.write(subscribe.array(), 0, subscribe.position());
            receiver.subscribed.get(10, TimeUnit.SECONDS);
            return receiver;
        } catch (IOException | InterruptedException | ExecutionException | TimeoutException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** Returns whether the message counts as an arrival for {@link #onArrival}. */
    private boolean onPublish(ByteBuffer payload, long now) {
        BenchPayload.Kind kind = BenchPayload.kind(payload);
        if (kind == BenchPayload.Kind.PROBE) {
            probeSeen = true;
            return false;
        }
        if (kind == BenchPayload.Kind.LOAD) {
            return record(BenchPayload.sequence(payload), now - BenchPayload.sendNanos(payload), now);
        }
        synchronized (this) {
            if (kind == BenchPayload.Kind.WARMUP) {
                warmups++;
                return true;
            }
            unexpected++;
            return false;
        }
    }

    /** Returns whether this was the measured message's first arrival. */
    private synchronized boolean record(long sequence, long latencyNanos, long now) {
        if (sequence < 0 || sequence >= arrivals.length) {
            unexpected++;
            return false;
        }
        int index = (int) sequence;
        boolean first = arrivals[index] == 0;
        if (first) {
            latencies[delivered] = latencyNanos;
            delivered++;
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
        return first;
    }

    /**
     * Told how many messages arrived (first arrivals of measured messages and every warmup message), after each read
     * that brought some.
     */
    void onArrival(IntConsumer listener) {
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
        connection.close();
    }

    /** The reader thread: records each PUBLISH, then acknowledges a read's QoS 1 messages in one write. */
    private final class PublishReader implements WireConnection.Handler {

        private final boolean acknowledge;
        private final ByteBuffer pubacks = ByteBuffer.allocate(64 * 1024);
        private int arrivalsInRead;

        PublishReader(boolean acknowledge) {
            this.acknowledge = acknowledge;
        }

        @Override
        public void frame(WireMqtt.Frame frame, ByteBuffer in, long readNanos) throws IOException {
            if (frame.type == WireMqtt.PUBLISH) {
                if (frame.qos > 1) {
                    throw new IllegalStateException("QoS 2 PUBLISH on a QoS " + (acknowledge ? 1 : 0) + " subscription");
                }
                if (onPublish(in.slice(frame.payloadStart, frame.payloadLength()), readNanos)) {
                    arrivalsInRead++;
                }
                if (frame.qos == 1) {
                    if (pubacks.remaining() < 4) {
                        writePubacks();
                    }
                    WireMqtt.putPuback(pubacks, frame.packetId);
                }
            } else if (frame.type == WireMqtt.SUBACK) {
                int granted = frame.bodyEnd - frame.bodyStart >= 3 ? in.get(frame.bodyStart + 2) & 0xff : 0x80;
                if (granted == 0x80) {
                    subscribed.completeExceptionally(new IOException("subscription refused by the broker"));
                } else {
                    subscribed.complete(null);
                }
            }
        }

        @Override
        public void endOfRead() throws IOException {
            writePubacks();
            if (arrivalsInRead > 0) {
                onArrival.accept(arrivalsInRead);
                arrivalsInRead = 0;
            }
        }

        @Override
        public void closed(String why) {
            subscribed.completeExceptionally(new IOException("connection ended before SUBACK: " + why));
        }

        private void writePubacks() throws IOException {
            if (pubacks.position() > 0) {
                connection.write(pubacks.array(), 0, pubacks.position());
                pubacks.clear();
            }
        }
    }
}
