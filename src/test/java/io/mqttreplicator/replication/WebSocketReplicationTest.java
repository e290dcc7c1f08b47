package io.mqttreplicator.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.broker.BrokerSettings.TlsSettings;
import io.mqttreplicator.engine.Rules;
import io.mqttreplicator.testing.Definitions;
import io.mqttreplicator.testing.MoquetteBroker;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.ReplicationHarness;
import io.mqttreplicator.testing.TestBroker;
import io.mqttreplicator.testing.TestCertificates;
import io.mqttreplicator.testing.TestCertificates.Authority;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replication between a broker reached over {@code ws://} or {@code wss://} (an embedded Moquette,
 * its WebSocket listener on a path and bound to 127.0.0.1) and a Mosquitto broker over TCP.
 */
class WebSocketReplicationTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String PATH = "/broker/mqtt";

    private static Authority ca;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority("mqtt-replicator test CA");
    }

    private static ReplicationHarness harness(MoquetteBroker webSocketBroker) {
        Map<String, TestBroker> brokers = new LinkedHashMap<>();
        brokers.put("mosquitto", MosquittoBroker.builder().name("mosquitto").start());
        brokers.put("websocket", webSocketBroker);
        return ReplicationHarness.with(brokers);
    }

    private static void assertStreamsBothWays(ReplicationHarness harness) {
        harness.awaitFlowing("events/probe");
        TestMqttClient onMosquitto = harness.subscriber("mosquitto", "events/data/#", 1);
        TestMqttClient onWebSocket = harness.subscriber("websocket", "events/data/#", 1);
        TestMqttClient mosquittoWriter = harness.client("mosquitto");
        TestMqttClient webSocketWriter = harness.client("websocket");
        for (int i = 0; i < 50; i++) {
            mosquittoWriter.publish("events/data/from-mosquitto", "m" + i, 1, false);
            webSocketWriter.publish("events/data/from-websocket", "w" + i, 1, false);
        }
        await().atMost(WAIT).until(() -> onMosquitto.received().size() >= 100 && onWebSocket.received().size() >= 100);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
                .until(() -> onMosquitto.received().size() == 100 && onWebSocket.received().size() == 100);
        assertThat(onWebSocket.receivedTexts("events/data/from-mosquitto")).hasSize(50).startsWith("m0").endsWith("m49");
        assertThat(onMosquitto.receivedTexts("events/data/from-websocket")).hasSize(50).startsWith("w0").endsWith("w49");
    }

    @Test
    void replicatesOverWebSocketOnAPath() {
        try (ReplicationHarness harness = harness(MoquetteBroker.start(PATH))) {
            MoquetteBroker moquette = (MoquetteBroker) harness.testBroker("websocket");
            Function<String, BrokerSettings> settings = name -> name.equals("websocket")
                    ? Definitions.broker(name, moquette.webSocketUrl())
                    : Definitions.broker(name, harness.testBroker(name).url());
            harness.replicate(harness.definition(1, settings, Rules.stream("events", "events/#").qos(1).build()));

            assertThat(harness.channels().get("websocket").address()).isEqualTo(moquette.webSocketUrl());
            assertStreamsBothWays(harness);
        }
    }

    @Test
    void replicatesOverSecureWebSocketTrustingTheTestCa() {
        try (ReplicationHarness harness = harness(MoquetteBroker.start(PATH, ca.server("127.0.0.1", "localhost")))) {
            MoquetteBroker moquette = (MoquetteBroker) harness.testBroker("websocket");
            TlsSettings trustingCa = new TlsSettings(Optional.of(ca.certificatePem()), Optional.empty(), Optional.empty(), true);
            Function<String, BrokerSettings> settings = name -> name.equals("websocket")
                    ? Definitions.broker(name, moquette.secureWebSocketUrl(), null, trustingCa)
                    : Definitions.broker(name, harness.testBroker(name).url());
            harness.replicate(harness.definition(1, settings, Rules.stream("events", "events/#").qos(1).build()));

            assertThat(harness.channels().get("websocket").address()).isEqualTo(moquette.secureWebSocketUrl());
            assertStreamsBothWays(harness);
        }
    }
}
