package io.mqttreplicator.testing;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A plain MQTT 3.1.1 client for tests (HiveMQ client, automatic acknowledgement, clean session):
 * publishes and waits for the broker's acknowledgement, and records every message it receives.
 * <pre>
 * try (TestMqttClient client = TestMqttClient.connect(broker.port())) {
 *     client.subscribe("a/#", 1);
 *     client.publish("a/b", "hello", 1, false);
 *     await().atMost(5, SECONDS).until(() -> client.received("a/b").size() == 1);
 * }
 * </pre>
 */
public final class TestMqttClient implements AutoCloseable {

    private static final long TIMEOUT_SECONDS = 10;

    /** A message as the client received it. */
    public record Received(String topic, byte[] payload, int qos, boolean retain) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Received[" + topic + " '" + text() + "' qos=" + qos + " retain=" + retain + "]";
        }
    }

    private final Mqtt3AsyncClient client;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    private TestMqttClient(Mqtt3AsyncClient client) {
        this.client = client;
    }

    /** Connects anonymously to 127.0.0.1 with a random client id. */
    public static TestMqttClient connect(int port) {
        return connect(port, "test-" + UUID.randomUUID().toString().substring(0, 8), null, null);
    }

    public static TestMqttClient connect(int port, String clientId, String username, String password) {
        return connect(port, clientId, username, password, true);
    }

    /**
     * Connects anonymously and subscribes to a topic of its own, connecting again when the broker
     * dropped the connection instead of answering: for brokers that are not ready for requests
     * right after their CONNACK.
     */
    public static TestMqttClient connectSettled(int port) {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            String clientId = "test-" + UUID.randomUUID().toString().substring(0, 8);
            TestMqttClient client = connect(port, clientId, null, null);
            try {
                return client.subscribe("test-settled/" + clientId, 0);
            } catch (IllegalStateException dropped) {
                last = dropped;
                client.close();
            }
        }
        throw last;
    }

    /**
     * A client with a persistent session (clean session false): while it is away the broker keeps
     * its subscriptions and queues its QoS 1 and 2 messages, and delivers them when it comes back.
     */
    public static TestMqttClient connectPersistent(int port, String clientId) {
        return connect(port, clientId, null, null, false);
    }

    private static TestMqttClient connect(int port, String clientId, String username, String password,
            boolean cleanSession) {
        var builder = Mqtt3Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port);
        if (username != null) {
            builder.simpleAuth().username(username)
                    .password(password == null ? new byte[0] : password.getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        TestMqttClient testClient = new TestMqttClient(builder.buildAsync());
        testClient.client.publishes(MqttGlobalPublishFilter.ALL, publish -> testClient.received.add(new Received(
                publish.getTopic().toString(), publish.getPayloadAsBytes(), publish.getQos().getCode(),
                publish.isRetain())));
        join(testClient.client.connectWith().cleanSession(cleanSession).send());
        return testClient;
    }

    /** Subscribes and waits for the SUBACK. */
    public TestMqttClient subscribe(String filter, int qos) {
        join(client.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos)).send());
        return this;
    }

    /** Publishes and waits until the broker acknowledged (QoS 1, 2) or the message was sent (QoS 0). */
    public void publish(String topic, String payload, int qos, boolean retain) {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain);
    }

    public void publish(String topic, byte[] payload, int qos, boolean retain) {
        join(client.publishWith().topic(topic).payload(payload).qos(MqttQos.fromCode(qos)).retain(retain).send());
    }

    /** Everything received so far, in order. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    public List<Received> received(String topic) {
        return received.stream().filter(message -> message.topic().equals(topic)).toList();
    }

    public List<String> receivedTexts(String topic) {
        return received(topic).stream().map(Received::text).toList();
    }

    public void clearReceived() {
        received.clear();
    }

    @Override
    public void close() {
        if (client.getState().isConnected()) {
            join(client.disconnect());
        }
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer from the broker within " + TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
