package io.mqttreplicator.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.ReplicatorProgram;
import io.mqttreplicator.testing.TestMqttClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Unusual payloads and topics through the packaged program, stream and state rules: each arrives on
 * the other broker byte for byte. Mosquitto's defaults take them all (no message or packet limit).
 */
class PayloadsIT {

    /** A topic of 60,000 bytes, below the 65,535 bytes MQTT allows. */
    private static final String LONG_TOPIC = "p/" + "l".repeat(59_998);
    private static final String NON_ASCII_TOPIC = "p/données/température/°C/日本語/😀";

    @Test
    void payloadsAndTopicsArriveByteForByte() {
        SplittableRandom random = new SplittableRandom(42);
        Map<String, byte[]> stream = new LinkedHashMap<>();
        stream.put("p/empty", new byte[0]);
        stream.put("p/one-mebibyte", bytes(random, 1 << 20));
        stream.put("p/ten-mebibytes", bytes(random, 10 << 20));
        stream.put("p/binary", everyByteValue());
        stream.put(NON_ASCII_TOPIC, "température: 21,5 °C ✓".getBytes(StandardCharsets.UTF_8));
        stream.put(LONG_TOPIC, "long".getBytes(StandardCharsets.UTF_8));
        Map<String, byte[]> state = new LinkedHashMap<>();
        state.put("s/one-mebibyte", bytes(random, 1 << 20));
        state.put("s/binary", everyByteValue());
        state.put("s/日本語/😀", "状態".getBytes(StandardCharsets.UTF_8));

        try (MosquittoBroker a = MosquittoBroker.builder().name("a").start();
                MosquittoBroker b = MosquittoBroker.builder().name("b").start();
                TestMqttClient onA = TestMqttClient.connect(a.port());
                TestMqttClient onB = TestMqttClient.connect(b.port()).subscribe("p/#", 1).subscribe("s/#", 1);
                ReplicatorProgram replicator = ReplicatorProgram.start("payloads", Map.of(
                        "MQTTREP_CLIENT_a", a.url(),
                        "MQTTREP_CLIENT_b", b.url(),
                        "MQTTREP_TOPIC_p", "p/#",
                        "MQTTREP_MODE_p", "stream",
                        "MQTTREP_TOPIC_s", "s/#",
                        "MQTTREP_MERGE_FREQUENCY", "5"))) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                onA.publish("p/probe", "probe", 1, false);
                return !onB.received("p/probe").isEmpty();
            });

            stream.forEach((topic, payload) -> onA.publish(topic, payload, 1, false));
            state.forEach((topic, payload) -> onA.publish(topic, payload, 1, true));

            await().atMost(Duration.ofSeconds(60)).until(() -> stream.keySet().stream().allMatch(topic -> !onB.received(topic).isEmpty())
                    && state.keySet().stream().allMatch(topic -> !onB.received(topic).isEmpty()));
            stream.forEach((topic, payload) -> assertThat(onB.received(topic)).as(describe(topic))
                    .singleElement().satisfies(message -> assertThat(message.payload()).isEqualTo(payload)));
            state.forEach((topic, payload) -> assertThat(onB.received(topic)).as(describe(topic))
                    .singleElement().satisfies(message -> assertThat(message.payload()).isEqualTo(payload)));
            assertThat(replicator.isRunning()).isTrue();
        }
    }

    private static String describe(String topic) {
        return topic.length() > 80 ? topic.substring(0, 40) + "… (" + topic.length() + " characters)" : topic;
    }

    private static byte[] bytes(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** 0 to 255 twice, NUL and invalid UTF-8 included. */
    private static byte[] everyByteValue() {
        byte[] bytes = new byte[512];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }
}
