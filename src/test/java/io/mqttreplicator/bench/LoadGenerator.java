package io.mqttreplicator.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The publisher on the source broker, with two bounds:
 * <ul>
 * <li>{@code inflight}: messages the source broker has not acknowledged yet (for QoS 0: not yet written);</li>
 * <li>{@code backlog} (QoS 1, not for an open-loop load): messages sent but not yet arrived on the target's subscriber. The source
 * broker acknowledges as soon as it has queued a message, so without this bound a link slower than the publisher
 * would pile up an unbounded queue on the source broker (Mosquitto 2.0.11 drops beyond {@code max_queued_messages}
 * and resends without DUP beyond 65,535 queued QoS 1 messages).</li>
 * </ul>
 * A bound that does not free up for the stall timeout ends publishing: a stalled link stops the run, not the
 * benchmark.
 * <p>
 * It speaks MQTT 3.1.1 itself ({@link WireMqtt}) so that it costs little of the CPU it shares with what it measures:
 * PUBLISH frames are encoded into one buffer and written 64 KiB at a time, or at once when the publisher is about to
 * wait (for a bound, or for the next message of a paced load); a bound it waits for wakes it once a batch of places
 * is free ({@link Window}). QoS 1 packet identifiers go round 1..65,535; a reader thread counts PUBACKs (the broker
 * acknowledges in order). QoS 2 is not spoken: no load publishes at QoS 2.
 */
final class LoadGenerator implements AutoCloseable {

    /**
     * @param published      messages sent
     * @param failed         publishes lost with the connection before the broker acknowledged them
     * @param firstSendNanos {@link System#nanoTime()} of the first send
     * @param stalled        why publishing stopped early, or null
     * @param doneNanos      {@link System#nanoTime()} when the source broker had acknowledged the last message (QoS
     *                       0: when its last byte was written)
     */
    record Outcome(int published, long failed, long firstSendNanos, String stalled, long doneNanos) {
    }

    private static final int CHUNK_BYTES = 64 * 1024;
    private static final int MAX_PACKET_ID = 65_535;

    private final WireConnection connection;
    private final int inflight;
    private final int payloadBytes;
    private final Duration stallTimeout;
    /** A place per message the broker may be sent before it acknowledged (QoS 1) or we wrote (QoS 0) earlier ones. */
    private final Window acknowledgements;
    private ByteBuffer out = ByteBuffer.allocate(CHUNK_BYTES);
    private int unwrittenQos0;
    private int nextPacketId = 1;
    private String lastTopic;
    private byte[] lastTopicBytes;
    private volatile String lost;
    private volatile long failed;
    private volatile Window arrivals;
    private volatile int sentSoFar;
    private volatile long firstSendSoFar;

    private LoadGenerator(WireConnection connection, int inflight, int payloadBytes, Duration stallTimeout) {
        this.connection = connection;
        this.inflight = inflight;
        this.payloadBytes = payloadBytes;
        this.stallTimeout = stallTimeout;
        this.acknowledgements = new Window(inflight);
    }

    static LoadGenerator connect(String clientId, int port, int inflight, int payloadBytes, Duration stallTimeout)
            throws IOException {
        if (inflight < 1 || inflight > MAX_PACKET_ID) {
            throw new IllegalArgumentException("in-flight window must be 1.." + MAX_PACKET_ID + " (MQTT packet identifiers), got "
                    + inflight);
        }
        WireConnection connection = WireConnection.connect(clientId, port);
        LoadGenerator generator = new LoadGenerator(connection, inflight, payloadBytes, stallTimeout);
        connection.start("bench-pubacks", generator.new AcknowledgementReader());
        return generator;
    }

    /** The receiver reports arrivals here: they free places in the backlog. */
    void arrived(int count) {
        Window current = arrivals;
        if (current != null) {
            current.give(count);
        }
    }

    /**
     * Publishes a probe every 200 ms until {@code arrived} says one came through, {@code gone} says waiting is
     * pointless, or the timeout passes. Returns whether a probe arrived.
     */
    boolean probe(String topic, BooleanSupplier arrived, BooleanSupplier gone, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long sequence = 0;
        while (System.nanoTime() < deadline && !gone.getAsBoolean()) {
            if (lost == null && acknowledgements.tryTake()) {
                try {
                    append(topic, 1, false, BenchPayload.Kind.PROBE, sequence++, System.nanoTime());
                    flush();
                } catch (IOException e) {
                    connectionLost(e.toString());
                }
            }
            for (int i = 0; i < 20; i++) {
                if (arrived.getAsBoolean()) {
                    return true;
                }
                Sleep.millis(10);
            }
        }
        return arrived.getAsBoolean();
    }

    /**
     * Publishes {@code count} messages of the given kind for the load: as fast as the bounds allow, or paced at the
     * load's rate, with at most {@code backlog} of them on their way to the target (QoS 1). Returns once the source
     * broker acknowledged every message, or when the deadline passes or a bound stalls.
     */
    Outcome publish(Load load, BenchPayload.Kind kind, int count, int backlog, long deadlineNanos) {
        int qos = load.publishQos().getCode();
        if (qos > 1) {
            throw new IllegalArgumentException("the benchmark's publisher speaks QoS 0 and 1, not " + qos);
        }
        Window backlogPlaces = qos == 0 || load.openLoop() ? null : new Window(backlog);
        arrivals = backlogPlaces;
        long intervalNanos = load.ratePerSecond() > 0 ? 1_000_000_000L / load.ratePerSecond() : 0;
        long start = System.nanoTime();
        long firstSend = 0;
        String stalled = null;
        int sent = 0;
        sentSoFar = 0;
        try {
            for (; sent < count; sent++, sentSoFar = sent) {
                if (intervalNanos > 0) {
                    waitUntil(start + sent * intervalNanos);
                }
                if (System.nanoTime() > deadlineNanos) {
                    stalled = "run timeout while publishing";
                    break;
                }
                if (backlogPlaces != null && !acquire(backlogPlaces)) {
                    stalled = backlog + " messages on their way and none arrived for " + stallTimeout.toSeconds() + " s";
                    break;
                }
                if (!acquire(acknowledgements)) {
                    stalled = "no acknowledgement from the source broker for " + stallTimeout.toSeconds() + " s";
                    break;
                }
                if (lost != null) {
                    break;
                }
                String topic = kind == BenchPayload.Kind.WARMUP ? load.warmupTopic() : load.topic(sent);
                long now = System.nanoTime();
                if (sent == 0) {
                    firstSend = now;
                    firstSendSoFar = now;
                }
                append(topic, qos, load.retained(), kind, sent, now);
                if (intervalNanos > 0) {
                    flush(); // a paced message leaves at once, so that its latency is the link's
                }
            }
            flush();
            // the whole window back means no acknowledgement is outstanding
            if (!acknowledgements.awaitFree(inflight, stallTimeout.toNanos()) && stalled == null) {
                stalled = "last acknowledgements missing after " + stallTimeout.toSeconds() + " s";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stalled = "interrupted";
        } catch (IOException e) {
            connectionLost(e.toString());
        }
        if (lost != null) {
            stalled = stalled == null ? "connection to the source broker lost: " + lost : stalled;
        }
        return new Outcome(sent, failed, firstSend, stalled, System.nanoTime());
    }

    /** What a publish still running has done so far. */
    Outcome progress(String why) {
        return new Outcome(sentSoFar, 0, firstSendSoFar, why, System.nanoTime());
    }

    /** Takes a place; before waiting for one, writes what is buffered, whose acknowledgements may be what frees it. */
    private boolean acquire(Window window) throws InterruptedException, IOException {
        if (window.tryTake()) {
            return true;
        }
        flush();
        return window.take(stallTimeout.toNanos());
    }

    private void append(String topic, int qos, boolean retain, BenchPayload.Kind kind, long sequence, long sendNanos)
            throws IOException {
        if (!topic.equals(lastTopic)) {
            lastTopic = topic;
            lastTopicBytes = topic.getBytes(StandardCharsets.UTF_8);
        }
        int payload = BenchPayload.size(payloadBytes);
        int frameBytes = WireMqtt.publishFrameBytes(lastTopicBytes.length, qos, payload);
        if (frameBytes > out.remaining()) {
            flush();
            if (frameBytes > out.capacity()) {
                out = ByteBuffer.allocate(frameBytes);
            }
        }
        int packetId = 0;
        if (qos > 0) {
            packetId = nextPacketId;
            nextPacketId = packetId == MAX_PACKET_ID ? 1 : packetId + 1;
        } else {
            unwrittenQos0++;
        }
        WireMqtt.putPublishHeader(out, lastTopicBytes, qos, retain, packetId, payload);
        BenchPayload.put(out, kind, sequence, sendNanos, payloadBytes);
    }

    /** Writes the buffered frames; QoS 0 messages are done once written. */
    private void flush() throws IOException {
        if (out.position() > 0) {
            connection.write(out.array(), 0, out.position());
            out.clear();
        }
        if (unwrittenQos0 > 0) {
            acknowledgements.give(unwrittenQos0);
            unwrittenQos0 = 0;
        }
    }

    /** Counts what was never acknowledged as failed and wakes a publisher waiting for acknowledgements. */
    private synchronized void connectionLost(String why) {
        if (lost == null) {
            failed = Math.max(0, inflight - acknowledgements.free());
            lost = why;
            acknowledgements.give(inflight);
        }
    }

    private static void waitUntil(long nanoTime) throws InterruptedException {
        long wait;
        while ((wait = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    @Override
    public void close() {
        connection.close();
    }

    /** The reader thread: every PUBACK gives a place back, a read's worth at once. */
    private final class AcknowledgementReader implements WireConnection.Handler {

        private int acknowledged;

        @Override
        public void frame(WireMqtt.Frame frame, ByteBuffer in, long readNanos) {
            if (frame.type == WireMqtt.PUBACK) {
                acknowledged++;
            }
        }

        @Override
        public void endOfRead() {
            if (acknowledged > 0) {
                acknowledgements.give(acknowledged);
                acknowledged = 0;
            }
        }

        @Override
        public void closed(String why) {
            connectionLost(why);
        }
    }
}
