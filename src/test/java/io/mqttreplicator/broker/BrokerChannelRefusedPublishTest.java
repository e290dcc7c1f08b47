package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.engine.BrokerMessage;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.TestMqttClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Publishes a Mosquitto broker refuses: the publish fails with {@link PublishRefusedException}, is
 * not retried, and later publishes on the same channel go through.
 */
class BrokerChannelRefusedPublishTest {

    private static final Duration BOUND = Duration.ofSeconds(30);
    /** Publishes made right after the one refused: unacknowledged when the connection ends, or queued. */
    private static final int FOLLOWING = 300;

    @TempDir
    Path directory;

    /**
     * Mosquitto 2.0 ends the connection instead of refusing with a reason code: MQTT 3.1.1 above
     * max_packet_size (it closes the socket); MQTT 5 above message_size_limit (PUBACK reason code
     * 0x95, which MQTT 5 does not allow in a PUBACK, so the client closes the connection). Without a
     * limit on retries the client resent the publish on every reconnect, for ever, and nothing after it
     * was acknowledged.
     */
    @ParameterizedTest(name = "MQTT {0}, {1}")
    @CsvSource({"4, max_packet_size 1000", "5, message_size_limit 1000"})
    void aPublishThatEndsTheConnectionEveryTimeIsGivenUpAndTheRestFlows(int protocolVersion, String limit) {
        try (MosquittoBroker broker = MosquittoBroker.builder().name("limit").config(limit).start();
                TestMqttClient subscriber = TestMqttClient.connect(broker.port()).subscribe("t/#", 1);
                BrokerChannel channel = new BrokerChannel(TestSettings.of(broker.url()).protocolVersion(protocolVersion)
                        .clientId("channel-mqtt" + protocolVersion).persistentSession().build(), List.of())) {
            channel.start();
            await().atMost(BOUND).until(() -> channel.state() == ConnectionState.CONNECTED);

            CompletableFuture<Void> tooBig = channel.publish(new BrokerMessage("t/big", new byte[2000], 1, false)).toCompletableFuture();
            List<CompletableFuture<Void>> following = new ArrayList<>();
            // published while the connection ends and comes back, as the engine forwards them
            await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> {
                int i = following.size();
                following.add(channel.publish(new BrokerMessage("t/after/" + i, ("fine-" + i).getBytes(), 1, false)).toCompletableFuture());
                return following.size() == FOLLOWING;
            });

            await().atMost(BOUND).until(tooBig::isDone);
            assertThat(tooBig).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOfSatisfying(PublishRefusedException.class,
                            refused -> assertThat(refused.reasonCode()).isEqualTo(BrokerChannel.CONNECTION_ENDED_ON_PUBLISH));
            assertThat(CompletableFuture.allOf(following.toArray(CompletableFuture[]::new))).succeedsWithin(BOUND);
            await().atMost(BOUND).until(() -> subscriber.received().stream().map(TestMqttClient.Received::topic).distinct()
                    .filter(topic -> topic.startsWith("t/after/")).count() == FOLLOWING);
            assertThat(subscriber.received("t/big")).isEmpty();
            await().atMost(BOUND).until(() -> channel.state() == ConnectionState.CONNECTED);
            // the session, and what the broker queued in it, is kept: no connection of the channel was clean
            assertThat(connectionsOf(broker, "channel-mqtt" + protocolVersion)).isNotEmpty()
                    .allSatisfy(line -> assertThat(line).contains(", c0,"));
            long connections = broker.countInLog("New client connected from");
            assertThat(connections).as("the first connection, %d that ended on the publish, the next one, and the"
                    + " subscriber's", BrokerChannel.POISON_STRIKES)
                    .isLessThanOrEqualTo(BrokerChannel.POISON_STRIKES + 3);

            CompletableFuture<Void> later = channel.publish(new BrokerMessage("t/later", "still fine".getBytes(), 1, false))
                    .toCompletableFuture();
            assertThat(later).succeedsWithin(BOUND);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> broker.countInLog("New client connected from") == connections
                            && channel.state() == ConnectionState.CONNECTED);
        }
    }

    private static List<String> connectionsOf(MosquittoBroker broker, String clientId) {
        return broker.log().lines().filter(line -> line.contains("New client connected from") && line.contains(" as " + clientId + " ("))
                .toList();
    }

    @Test
    void mqtt5AclRefusalFailsThePublishWithItsReasonCodeAndKeepsTheConnection() throws IOException {
        Path acl = directory.resolve("acl");
        Files.writeString(acl, "topic readwrite t/open/#\n");
        try (MosquittoBroker broker = MosquittoBroker.builder().name("acl").config("acl_file " + acl).start();
                BrokerChannel channel = new BrokerChannel(TestSettings.of(broker.url()).protocolVersion(5)
                        .persistentSession().build(), List.of())) {
            channel.start();
            await().atMost(BOUND).until(() -> channel.state() == ConnectionState.CONNECTED);

            CompletableFuture<Void> denied = channel.publish(new BrokerMessage("t/closed", "x".getBytes(), 1, false)).toCompletableFuture();
            CompletableFuture<Void> open = channel.publish(new BrokerMessage("t/open/1", "y".getBytes(), 1, false)).toCompletableFuture();

            assertThat(open).succeedsWithin(BOUND);
            assertThat(denied).failsWithin(BOUND).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOfSatisfying(PublishRefusedException.class,
                            refused -> assertThat(refused.reasonCode()).isEqualTo("NOT_AUTHORIZED"));
            assertThat(broker.countInLog("New client connected from")).isEqualTo(1);
        }
    }

    /** What the channel cannot see: Mosquitto acknowledges an MQTT 3.1.1 publish it drops for its size. */
    @Test
    void mqtt3PublishAboveMessageSizeLimitIsAcknowledgedAndDroppedByMosquitto() {
        try (MosquittoBroker broker = MosquittoBroker.builder().name("size").config("message_size_limit 1000").start();
                TestMqttClient subscriber = TestMqttClient.connect(broker.port()).subscribe("t/#", 1);
                BrokerChannel channel = new BrokerChannel(TestSettings.of(broker.url()).build(), List.of())) {
            channel.start();

            assertThat(channel.publish(new BrokerMessage("t/big", new byte[2000], 1, false)).toCompletableFuture())
                    .succeedsWithin(BOUND);
            assertThat(channel.publish(new BrokerMessage("t/after", "fine".getBytes(), 1, false)).toCompletableFuture())
                    .succeedsWithin(BOUND);
            await().atMost(BOUND).until(() -> !subscriber.received("t/after").isEmpty());
            assertThat(subscriber.received("t/big")).isEmpty();
        }
    }
}
