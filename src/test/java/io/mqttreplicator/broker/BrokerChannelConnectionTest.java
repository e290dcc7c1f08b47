package io.mqttreplicator.broker;

import static io.mqttreplicator.broker.BrokerChannelMessagingTest.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.engine.Subscription;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reconnects, failover, refused credentials and client ids, and close while reconnecting. */
class BrokerChannelConnectionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        resources.add(resource);
        return resource;
    }

    @Test
    void reconnectsAfterTheBrokerRestartsResubscribesAndMessagesFlowAgain() throws Exception {
        MosquittoBroker broker = closeLater(MosquittoBroker.builder().name("restart").start());
        BrokerChannel channel = closeLater(new BrokerChannel(TestSettings.of(broker.url()).build(),
                List.of(new Subscription("r/#", 1))));
        List<ConnectionEvent> events = new CopyOnWriteArrayList<>();
        channel.addStateListener(events::add);
        InboundRecorder inbound = InboundRecorder.acking(channel);
        channel.start();
        await().atMost(WAIT).until(() -> channel.state() == ConnectionState.CONNECTED);

        broker.kill();
        await().atMost(WAIT).until(() -> channel.state() == ConnectionState.DISCONNECTED);
        assertThat(channel.lastError()).isPresent();
        CompletableFuture<Void> publishedWhileDown = channel.publish(message("r/offline", "queued", 1, false))
                .toCompletableFuture();
        broker.restart();

        await().atMost(WAIT).until(() -> channel.state() == ConnectionState.CONNECTED);
        publishedWhileDown.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        try (TestMqttClient other = TestMqttClient.connect(broker.port())) {
            // the restarted broker has no session: the channel must have subscribed again
            other.publish("r/ready", "after restart", 1, true);
            await().atMost(WAIT).until(() -> inbound.on("r/ready").size() == 1);
            other.publish("r/live", "flows", 1, false);
            await().atMost(WAIT).until(() -> inbound.on("r/live").size() == 1);
        }
        assertThat(events).extracting(ConnectionEvent::state).containsSubsequence(ConnectionState.CONNECTING,
                ConnectionState.CONNECTED, ConnectionState.DISCONNECTED, ConnectionState.CONNECTED);
        assertThat(channel.lastError()).isEmpty();
    }

    @Test
    void publishBeforeTheFirstConnectionDoesNotBlockAndIsSentOnceConnected() throws Exception {
        MosquittoBroker broker = closeLater(MosquittoBroker.builder().name("late").start());
        broker.stop();
        BrokerChannel channel = closeLater(new BrokerChannel(TestSettings.of(broker.url())
                .reconnectDelay(Duration.ofMillis(200)).build(), List.of()));
        channel.start();
        await().atMost(WAIT).until(() -> channel.lastError().isPresent());

        // after a failed first attempt: the client has no publish consumer yet and would block here
        CompletableFuture<CompletableFuture<Void>> publishing = CompletableFuture.supplyAsync(() ->
                channel.publish(message("late/x", "waited", 1, true)).toCompletableFuture());
        CompletableFuture<Void> published = publishing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(published).isNotDone();

        broker.restart();
        published.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        try (TestMqttClient reader = TestMqttClient.connect(broker.port()).subscribe("late/x", 1)) {
            await().atMost(WAIT).until(() -> reader.receivedTexts("late/x").contains("waited"));
        }
    }

    @Test
    void closeWhileWaitingToReconnectStopsAllConnectionAttempts() throws Exception {
        MosquittoBroker broker = closeLater(MosquittoBroker.builder().name("close-down").start());
        broker.stop();
        BrokerChannel channel = new BrokerChannel(TestSettings.of(broker.url()).reconnectDelay(Duration.ofMillis(300))
                .build(), List.of(new Subscription("x/#", 1)));
        InboundRecorder inbound = InboundRecorder.acking(channel);
        channel.start();
        await().atMost(WAIT).until(() -> channel.lastError().isPresent());
        assertThat(channel.state()).isEqualTo(ConnectionState.CONNECTING);
        assertThat(channel.lastError().orElseThrow()).contains("connection failed");
        CompletableFuture<Void> pending = channel.publish(message("x/1", "never sent", 1, false)).toCompletableFuture();

        channel.closeAsync().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        broker.restart();

        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> broker.countInLog("New connection from") == 0);
        assertThat(channel.state()).isEqualTo(ConnectionState.DISCONNECTED);
        assertThat(pending).isCompletedExceptionally();
        assertThat(inbound.completed()).isTrue();
    }

    @Test
    void closeWhileConnectedDisconnects() {
        MosquittoBroker broker = closeLater(MosquittoBroker.builder().name("close-up").start());
        BrokerChannel channel = new BrokerChannel(TestSettings.of(broker.url()).build(), List.of());
        channel.start();
        await().atMost(WAIT).until(() -> channel.state() == ConnectionState.CONNECTED);
        String clientId = channel.settings().clientId();

        channel.close();

        await().atMost(WAIT).until(() -> broker.countInLog("Client " + clientId + " disconnected.") == 1);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> broker.connectionsOf(clientId) == 1);
    }

    @Test
    void refusedCredentialsAreReportedWithTheReasonAndRetriedSlowly() {
        MosquittoBroker broker = closeLater(MosquittoBroker.builder().name("auth").allowAnonymous(false)
                .user("alice", "secret").start());
        BrokerChannel channel = closeLater(new BrokerChannel(TestSettings.of(broker.url()).credentials("alice", "wrong")
                .reconnectDelay(Duration.ofMillis(100)).build(), List.of(new Subscription("a/#", 1))));
        List<ConnectionEvent> events = new CopyOnWriteArrayList<>();
        channel.addStateListener(events::add);
        channel.start();

        await().atMost(WAIT).until(() -> channel.state() == ConnectionState.FAILED);
        assertThat(channel.lastError().orElseThrow()).contains("NOT_AUTHORIZED");
        assertThat(events).last().satisfies(event -> {
            assertThat(event.state()).isEqualTo(ConnectionState.FAILED);
            assertThat(event.error().orElseThrow()).contains("NOT_AUTHORIZED").doesNotContain("wrong");
            assertThat(event.address()).contains("mqtt://127.0.0.1:" + broker.port());
        });
        // a hot loop would make hundreds of attempts in these seconds; the backoff after a refusal starts at 5 s
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                .until(() -> broker.countInLog("not authorised") <= 2);
        assertThat(channel.state()).isEqualTo(ConnectionState.FAILED);

        BrokerChannel good = closeLater(new BrokerChannel(TestSettings.of(broker.url()).credentials("alice", "secret")
                .build(), List.of()));
        good.start();
        await().atMost(WAIT).until(() -> good.state() == ConnectionState.CONNECTED);
    }

    @ParameterizedTest(name = "protocol version {0}")
    @ValueSource(ints = {4, 5})
    void aRefusedClientIdIsReportedWithTheReasonAndRetriedSlowly(int protocolVersion) {
        // Mosquitto 2.0.11 answers a client id outside its prefixes with NOT_AUTHORIZED (3.1.1: 5, MQTT 5: 0x87),
        // not with "identifier rejected"
        MosquittoBroker broker = closeLater(MosquittoBroker.builder().name("client-id-prefix")
                .config("clientid_prefixes repl-").start());
        BrokerChannel channel = closeLater(new BrokerChannel(TestSettings.of(broker.url()).protocolVersion(protocolVersion)
                .clientId("other-replicator").reconnectDelay(Duration.ofMillis(100)).build(),
                List.of(new Subscription("a/#", 1))));
        List<ConnectionEvent> events = new CopyOnWriteArrayList<>();
        channel.addStateListener(events::add);
        channel.start();

        await().atMost(WAIT).until(() -> channel.state() == ConnectionState.FAILED);
        assertThat(events).last().satisfies(event -> {
            assertThat(event.state()).isEqualTo(ConnectionState.FAILED);
            assertThat(event.error().orElseThrow()).isEqualTo("connection refused: NOT_AUTHORIZED");
            assertThat(event.address()).contains(broker.url());
        });
        assertThat(broker.connectionsOf("other-replicator")).isZero();
        // at the 100 ms reconnect delay a hot loop would make about 40 attempts here; after a refusal it is 4 s or more
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                .until(() -> broker.countInLog("New connection from") <= 2);
        await().atMost(WAIT).until(() -> broker.countInLog("New connection from") == 2);
        assertThat(channel.state()).isEqualTo(ConnectionState.FAILED);
        assertThat(channel.lastError()).contains("connection refused: NOT_AUTHORIZED");

        BrokerChannel allowed = closeLater(new BrokerChannel(TestSettings.of(broker.url()).protocolVersion(protocolVersion)
                .clientId("repl-site-a").build(), List.of()));
        allowed.start();
        await().atMost(WAIT).until(() -> allowed.state() == ConnectionState.CONNECTED);
    }

    @Test
    void failsOverToTheNextAddressWhenTheFirstIsDown() {
        MosquittoBroker down = closeLater(MosquittoBroker.builder().name("failover-down").start());
        down.stop();
        MosquittoBroker up = closeLater(MosquittoBroker.builder().name("failover-up").start());
        BrokerChannel channel = closeLater(new BrokerChannel(TestSettings.of(down.url(), up.url()).build(), List.of()));

        channel.start();

        await().atMost(WAIT).until(() -> channel.state() == ConnectionState.CONNECTED);
        assertThat(channel.address()).isEqualTo("mqtt://127.0.0.1:" + up.port());
        assertThat(up.connectionsOf(channel.settings().clientId())).isEqualTo(1);
    }

    @Test
    void aMoveBackTheFirstAddressRefusesReturnsToTheWorkingAddressAndIsTriedLessOften() {
        MosquittoBroker first = closeLater(MosquittoBroker.builder().name("move-back-refused").allowAnonymous(false)
                .user("alice", "secret").start());
        first.stop();
        MosquittoBroker second = closeLater(MosquittoBroker.builder().name("move-back-working").start());
        BrokerChannel channel = closeLater(new BrokerChannel(TestSettings.of(first.url(), second.url())
                .roundRobin(false).reconnectDelay(Duration.ofMillis(200)).build(), List.of()));
        channel.start();
        await().atMost(WAIT).until(() -> channel.state() == ConnectionState.CONNECTED);
        assertThat(channel.address()).isEqualTo(second.url());

        // the first address answers the TCP check again, but refuses this client
        first.restart();
        await().atMost(WAIT).until(() -> first.countInLog("not authorised") == 1);
        await().atMost(Duration.ofSeconds(2)).until(() -> channel.state() == ConnectionState.CONNECTED
                && channel.address().equals(second.url()));

        // checks every 200 ms would be 20 attempts in these 4 s; after each refusal the interval doubles
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                .until(() -> first.countInLog("not authorised") <= 5);
        assertThat(first.countInLog("not authorised")).isGreaterThan(1);
        await().atMost(Duration.ofSeconds(2)).until(() -> channel.state() == ConnectionState.CONNECTED
                && channel.address().equals(second.url()));
    }
}
