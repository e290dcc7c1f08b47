package io.mqttreplicator.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.broker.BrokerChannel;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.ReplicatorProgram;
import io.mqttreplicator.testing.TestMqttClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Target brokers that refuse some publishes, by ACL or by size. The refusal is reported, the
 * message is not retried, and the other topics and brokers keep flowing.
 */
class RefusedPublishIT {

    private static final int FOLLOWING = 200;

    @TempDir
    Path directory;

    /**
     * B refuses {@code data/denied/#} by ACL (MQTT 5: a PUBACK with NOT_AUTHORIZED); C has
     * {@code message_size_limit 1000} (MQTT 5: Mosquitto ends the connection); D has
     * {@code max_packet_size 1000} (MQTT 3.1.1: Mosquitto closes the socket).
     */
    @Test
    void publishesRefusedByAclOrSizeAreReportedNotRetriedAndTheRestFlows() throws IOException {
        Path acl = directory.resolve("acl");
        Files.writeString(acl, "topic read data/#\ntopic write data/open/#\ntopic write data/big/#\n");
        try (MosquittoBroker a = MosquittoBroker.builder().name("a").start();
                MosquittoBroker b = MosquittoBroker.builder().name("b-acl").config("acl_file " + acl, "log_type debug").start();
                MosquittoBroker c = MosquittoBroker.builder().name("c-size").config("message_size_limit 1000", "log_type debug").start();
                MosquittoBroker d = MosquittoBroker.builder().name("d-packet").config("max_packet_size 1000", "log_type debug").start();
                TestMqttClient onA = TestMqttClient.connect(a.port());
                TestMqttClient onB = TestMqttClient.connect(b.port()).subscribe("data/#", 1);
                TestMqttClient onC = TestMqttClient.connect(c.port()).subscribe("data/#", 1);
                TestMqttClient onD = TestMqttClient.connect(d.port()).subscribe("data/#", 1);
                ReplicatorProgram replicator = ReplicatorProgram.start("refused", environment(a, b, c, d))) {
            awaitFlowing(onA, onB, onC, onD);
            byte[] big = new byte[2000];
            Arrays.fill(big, (byte) 'x');

            onA.publish("data/denied/1", "not for b", 1, false);
            onA.publish("data/big/1", big, 1, false);
            for (int i = 0; i < FOLLOWING; i++) {
                onA.publish("data/open/" + i, "open-" + i, 1, false);
            }

            await().atMost(Duration.ofSeconds(60)).until(() -> openMessages(onB) == FOLLOWING && openMessages(onC) == FOLLOWING
                    && openMessages(onD) == FOLLOWING);
            assertThat(onB.received("data/denied/1")).isEmpty();
            assertThat(onB.received("data/big/1")).singleElement().satisfies(m -> assertThat(m.payload()).isEqualTo(big));
            assertThat(onC.received("data/big/1")).isEmpty();
            assertThat(onC.receivedTexts("data/denied/1")).containsExactly("not for b");
            assertThat(onD.received("data/big/1")).isEmpty();
            // D closes the socket when it reads the oversized packet; when the message before it came in the same
            // read, D's PUBACK for it is never written, and the client sends it again on each of the (at most
            // POISON_STRIKES + 1) connections until the big one is given up: at least once, a bounded number of times
            assertThat(onD.receivedTexts("data/denied/1")).isNotEmpty().containsOnly("not for b")
                    .hasSizeLessThanOrEqualTo(BrokerChannel.POISON_STRIKES + 1);
            replicator.awaitOutput("a publish to broker b failed", 1, Duration.ofSeconds(10));
            assertThat(replicator.output()).contains("refused a publish to 'data/denied/1': NOT_AUTHORIZED")
                    .contains("Broker 'c': " + BrokerChannel.POISON_STRIKES + " connections in a row ended")
                    .contains("Broker 'd': " + BrokerChannel.POISON_STRIKES + " connections in a row ended");
            // not retried: each refusal happened a bounded number of times, also a while later
            long tooLarge = c.countInLog("Dropped too large PUBLISH");
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> b.countInLog("Denied PUBLISH") == 1 && c.countInLog("Dropped too large PUBLISH") == tooLarge);
            assertThat(tooLarge).isBetween(1L, (long) BrokerChannel.POISON_STRIKES + 1);
            System.out.printf("fault refused-publish: ACL refusal sent to b %d time(s); too large sent to c %d time(s);"
                    + " %d following messages on b, c and d%n", b.countInLog("Denied PUBLISH"), tooLarge, FOLLOWING);
        }
    }

    /**
     * Distinct topics, as the publishes sent again after a clean session may arrive twice (at least
     * once); not the probes, of which a late one may arrive after the count started.
     */
    private static long openMessages(TestMqttClient client) {
        return client.received().stream().map(TestMqttClient.Received::topic).filter(topic -> topic.matches("data/open/\\d+"))
                .distinct().count();
    }

    private static Map<String, String> environment(MosquittoBroker a, MosquittoBroker b, MosquittoBroker c, MosquittoBroker d) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MQTTREP_CLIENT_a", a.url());
        env.put("MQTTREP_CLIENT_b", b.url());
        env.put("MQTTREP_CLIENT_c", c.url());
        env.put("MQTTREP_CLIENT_d", d.url());
        env.put("MQTTREP_CONFIG_b", "{\"protocolVersion\": 5}");
        env.put("MQTTREP_CONFIG_c", "{\"protocolVersion\": 5, \"reconnectPeriod\": 200}");
        env.put("MQTTREP_CONFIG_d", "{\"reconnectPeriod\": 200}");
        env.put("MQTTREP_TOPIC_data", "data/#");
        env.put("MQTTREP_MODE_data", "stream");
        env.put("MQTTREP_SUBSCRIBE_WHITELIST_data", "a");
        return env;
    }

    private static void awaitFlowing(TestMqttClient onA, TestMqttClient... targets) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            onA.publish("data/open/probe", "probe", 1, false);
            return Arrays.stream(targets).allMatch(target -> !target.received("data/open/probe").isEmpty());
        });
        for (TestMqttClient target : targets) {
            target.clearReceived();
        }
    }
}
