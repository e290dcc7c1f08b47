package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.engine.Subscription;
import io.mqttreplicator.testing.CapturedLog;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** MQTT 5: a persistent session is kept for its session expiry after a disconnect, and not longer. */
class BrokerChannelSessionExpiryTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration SESSION_EXPIRY = Duration.ofSeconds(3);
    private static final String CLIENT_ID = "expiry-channel";

    private MosquittoBroker broker;
    private TestMqttClient other;
    private CapturedLog log;
    private final List<BrokerChannel> channels = new ArrayList<>();

    @BeforeEach
    void startBroker() {
        broker = MosquittoBroker.builder().name("session-expiry").start();
        other = TestMqttClient.connect(broker.port());
        log = CapturedLog.of(BrokerChannel.class);
    }

    @AfterEach
    void stopAll() {
        channels.forEach(BrokerChannel::close);
        log.close();
        other.close();
        broker.close();
    }

    /** Connects a channel with the short expiry and waits until its subscription is active (the retained marker arrived). */
    private InboundRecorder connectAndAwaitSubscribed() {
        BrokerChannel channel = new BrokerChannel(TestSettings.of(broker.url()).protocolVersion(5).clientId(CLIENT_ID)
                .persistentSession().sessionExpiry(SESSION_EXPIRY).build(), List.of(new Subscription("jobs/#", 1)));
        channels.add(channel);
        InboundRecorder inbound = InboundRecorder.acking(channel);
        channel.start();
        await().atMost(WAIT).until(() -> !inbound.on("jobs/ready").isEmpty());
        return inbound;
    }

    private void closeLastChannel() {
        channels.get(channels.size() - 1).close();
        await().atMost(WAIT).until(() -> broker.countInLog("Client " + CLIENT_ID + " disconnected.") == channels.size());
    }

    private List<String> sessionsReported() {
        return log.messages().stream().filter(line -> line.contains("as '" + CLIENT_ID + "'"))
                .map(line -> line.contains("session resumed") ? "resumed" : "new").toList();
    }

    @Test
    void aSessionIsResumedWithinItsExpiryAndGoneWithItsQueuedMessageAfterIt() {
        other.publish("jobs/ready", "marker", 1, true);
        connectAndAwaitSubscribed();
        closeLastChannel();

        other.publish("jobs/within", "queued while away briefly", 1, false);
        InboundRecorder within = connectAndAwaitSubscribed();
        await().atMost(WAIT).until(() -> within.texts("jobs/within").equals(List.of("queued while away briefly")));
        assertThat(sessionsReported()).containsExactly("new", "resumed");
        closeLastChannel();
        long closedAt = System.nanoTime();

        other.publish("jobs/after", "queued, then expired with the session", 1, false);
        // a deliberate wait: the expiry must have elapsed before the client id connects again
        await().pollDelay(SESSION_EXPIRY.plusSeconds(1)).atMost(WAIT)
                .until(() -> broker.countInLog("Expiring client " + CLIENT_ID) == 1);
        assertThat(Duration.ofNanos(System.nanoTime() - closedAt)).isGreaterThan(SESSION_EXPIRY);
        InboundRecorder after = connectAndAwaitSubscribed();

        // queued messages come before the retained marker of the new subscription: none is left to come
        assertThat(after.on("jobs/after")).isEmpty();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> after.on("jobs/after").isEmpty());
        assertThat(sessionsReported()).containsExactly("new", "resumed", "new");
    }
}
