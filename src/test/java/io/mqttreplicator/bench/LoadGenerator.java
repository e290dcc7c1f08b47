package io.mqttreplicator.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The publisher on the source broker, with two bounds:
 * <ul>
 * <li>{@code inflight}: messages the source broker has not acknowledged yet (for QoS 0: not yet written);</li>
 * <li>{@code backlog} (QoS 1 and 2): messages sent but not yet arrived on the target's subscriber. The source
 * broker acknowledges as soon as it has queued a message, so without this bound a link slower than the publisher
 * would pile up an unbounded queue on the source broker (Mosquitto 2.0.11 drops beyond {@code max_queued_messages}
 * and resends without DUP beyond 65,535 queued QoS 1 messages).</li>
 * </ul>
 * A bound that does not free up for the stall timeout ends publishing: a stalled link stops the run, not the
 * benchmark.
 */
final class LoadGenerator implements AutoCloseable {

    /**
     * @param published      messages sent
     * @param failed         publishes that completed with an error
     * @param firstSendNanos {@link System#nanoTime()} of the first send
     * @param stalled        why publishing stopped early, or null
     * @param doneNanos      {@link System#nanoTime()} when the source broker had acknowledged the last message
     */
    record Outcome(int published, long failed, long firstSendNanos, String stalled, long doneNanos) {
    }

    private final Mqtt3AsyncClient client;
    private final int inflight;
    private final int payloadBytes;
    private final Duration stallTimeout;
    private volatile Semaphore arrivals;
    private volatile int sentSoFar;
    private volatile long firstSendSoFar;

    private LoadGenerator(Mqtt3AsyncClient client, int inflight, int payloadBytes, Duration stallTimeout) {
        this.client = client;
        this.inflight = inflight;
        this.payloadBytes = payloadBytes;
        this.stallTimeout = stallTimeout;
    }

    static LoadGenerator connect(String clientId, int port, int inflight, int payloadBytes, Duration stallTimeout)
            throws Exception {
        Mqtt3AsyncClient client = MqttClient.builder().useMqttVersion3()
                .identifier(clientId).serverHost("127.0.0.1").serverPort(port)
                .buildAsync();
        client.connectWith().cleanSession(true).keepAlive(60).send().get(10, TimeUnit.SECONDS);
        return new LoadGenerator(client, inflight, payloadBytes, stallTimeout);
    }

    /** The receiver reports each arrival here: it frees a place in the backlog. */
    void arrived() {
        Semaphore current = arrivals;
        if (current != null) {
            current.release();
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
            client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(BenchPayload.encode(BenchPayload.Kind.PROBE, sequence++, System.nanoTime(), payloadBytes))
                    .send();
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
     * load's rate, with at most {@code backlog} of them on their way to the target (QoS 1 and 2). Returns once the
     * source broker acknowledged every message, or when the deadline passes or a bound stalls.
     */
    Outcome publish(Load load, BenchPayload.Kind kind, int count, int backlog, long deadlineNanos) {
        Semaphore acknowledgements = new Semaphore(inflight);
        Semaphore backlogPlaces = load.publishQos() == MqttQos.AT_MOST_ONCE ? null : new Semaphore(backlog);
        arrivals = backlogPlaces;
        AtomicLong failed = new AtomicLong();
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
                if (backlogPlaces != null && !backlogPlaces.tryAcquire(stallTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    stalled = backlog + " messages on their way and none arrived for " + stallTimeout.toSeconds() + " s";
                    break;
                }
                if (!acknowledgements.tryAcquire(stallTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    stalled = "no acknowledgement from the source broker for " + stallTimeout.toSeconds() + " s";
                    break;
                }
                String topic = kind == BenchPayload.Kind.WARMUP ? load.warmupTopic() : load.topic(sent);
                long now = System.nanoTime();
                if (sent == 0) {
                    firstSend = now;
                    firstSendSoFar = now;
                }
                client.publishWith().topic(topic).qos(load.publishQos()).retain(load.retained())
                        .payload(BenchPayload.encode(kind, sent, now, payloadBytes))
                        .send()
                        .whenComplete((ack, error) -> {
                            if (error != null) {
                                failed.incrementAndGet();
                            }
                            acknowledgements.release();
                        });
            }
            // the whole window back means no acknowledgement is outstanding
            if (acknowledgements.tryAcquire(inflight, stallTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                acknowledgements.release(inflight);
            } else if (stalled == null) {
                stalled = "last acknowledgements missing after " + stallTimeout.toSeconds() + " s";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stalled = "interrupted";
        }
        return new Outcome(sent, failed.get(), firstSend, stalled, System.nanoTime());
    }

    /** What a publish still running has done so far. */
    Outcome progress(String why) {
        return new Outcome(sentSoFar, 0, firstSendSoFar, why, System.nanoTime());
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
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // already disconnected or the broker is gone: nothing left to release
        }
    }
}
