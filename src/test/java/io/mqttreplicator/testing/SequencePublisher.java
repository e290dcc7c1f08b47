package io.mqttreplicator.testing;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes the payloads {@code seq-0} to {@code seq-<count-1>} at QoS 1 to one topic, in order,
 * from its own thread, with at most {@code window} publishes unacknowledged (and, if asked, at a
 * steady rate), and counts the broker's
 * acknowledgements. {@link SequenceRecorder} counts them where they arrive.
 */
public final class SequencePublisher implements AutoCloseable {

    private static final String PREFIX = "seq-";

    private final Mqtt3AsyncClient client;
    private final String topic;
    private final int count;
    private final Semaphore window;
    private final int rate;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger acknowledged = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private volatile boolean stopped;

    private SequencePublisher(Mqtt3AsyncClient client, String topic, int count, int window, int rate) {
        this.client = client;
        this.topic = topic;
        this.count = count;
        this.window = new Semaphore(window);
        this.rate = rate;
    }

    /** Connects to 127.0.0.1:{@code port} and starts publishing as fast as the window allows. */
    public static SequencePublisher start(int port, String topic, int count, int window) {
        return start(port, topic, count, window, 0);
    }

    /** Connects and starts publishing at {@code rate} messages per second (0: as fast as the window allows). */
    public static SequencePublisher start(int port, String topic, int count, int window, int rate) {
        Mqtt3AsyncClient client = Mqtt3Client.builder()
                .identifier("publisher-" + UUID.randomUUID().toString().substring(0, 8))
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildAsync();
        try {
            client.connectWith().cleanSession(true).send().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not connect to port " + port, e);
        }
        SequencePublisher publisher = new SequencePublisher(client, topic, count, window, rate);
        Thread thread = new Thread(publisher::publishAll, "sequence-publisher");
        thread.setDaemon(true);
        thread.start();
        return publisher;
    }

    /** The sequence number in a payload, or -1 when it is not one. */
    public static int sequenceOf(String payload) {
        if (!payload.startsWith(PREFIX)) {
            return -1;
        }
        try {
            return Integer.parseInt(payload.substring(PREFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void publishAll() {
        long start = System.nanoTime();
        try {
            for (int i = 0; i < count && !stopped; i++) {
                if (rate > 0) {
                    long due = start + i * 1_000_000_000L / rate;
                    long early = due - System.nanoTime();
                    if (early > 0) {
                        LockSupport.parkNanos(early); // pacing, not waiting for a condition
                    }
                }
                window.acquire();
                sent.incrementAndGet();
                client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                        .payload((PREFIX + i).getBytes(StandardCharsets.US_ASCII)).send()
                        .whenComplete((ack, error) -> {
                            (error == null ? acknowledged : failed).incrementAndGet();
                            window.release();
                        });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Publishes sent so far. */
    public int sent() {
        return sent.get();
    }

    /** Publishes the source broker acknowledged. */
    public int acknowledged() {
        return acknowledged.get();
    }

    public int failed() {
        return failed.get();
    }

    /** Every publish acknowledged (or failed). */
    public boolean finished() {
        return acknowledged.get() + failed.get() == count;
    }

    @Override
    public void close() {
        stopped = true;
        try {
            client.disconnect().get(10, TimeUnit.SECONDS);
        } catch (Exception alreadyGone) {
            // nothing to release
        }
    }
}
