package io.mqttreplicator.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttreplicator.replication.ReplicationDefinition;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StandaloneLauncherTest {

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<ReplicationDefinition> started = new ArrayList<>();

    private int run(Map<String, String> environment) {
        return StandaloneLauncher.run(environment, new PrintStream(err, true, StandardCharsets.UTF_8), started::add);
    }

    private List<String> errLines() {
        return err.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private void assertRefused(Map<String, String> environment, String... problems) {
        assertThat(run(environment)).isEqualTo(2);
        List<String> expected = new ArrayList<>(List.of("mqtt-replicator: invalid configuration:"));
        expected.addAll(List.of(problems));
        assertThat(errLines()).containsExactlyElementsOf(expected);
        assertThat(started).isEmpty();
    }

    @Test
    void startsAValidReplication() {
        assertThat(run(MqttrepEnvironmentTest.minimal("MQTTREP_TOPCI_x", "a/#"))).isZero();

        assertThat(started).hasSize(1);
        assertThat(started.get(0).name()).isEqualTo("standalone");
        assertThat(err.size()).isZero();
    }

    @Test
    void refusesAnUnparseableUrl() {
        assertRefused(MqttrepEnvironmentTest.minimal("MQTTREP_CLIENT_A", "mqtt//a:1883"),
                "MQTTREP_CLIENT_A=mqtt//a:1883: not a URL: expected scheme://host[:port], e.g. mqtt://broker:1883");
    }

    @Test
    void refusesUnparseableJson() {
        assertRefused(MqttrepEnvironmentTest.minimal("MQTTREP_CONFIG_A", "{\"username\":\"u\",}"),
                "MQTTREP_CONFIG_A: not valid JSON: Unexpected character: was expecting double-quote to start field name (line 1, column 17)");
    }

    @Test
    void refusesQos3() {
        assertRefused(MqttrepEnvironmentTest.minimal("MQTTREP_QOS_t", "3"), "MQTTREP_QOS_t=3: QoS must be 0, 1 or 2");
    }

    @Test
    void refusesANegativeTtl() {
        assertRefused(MqttrepEnvironmentTest.minimal("MQTTREP_TTL_t", "-1"),
                "MQTTREP_TTL_t=-1: TTL must be a whole number of seconds, 0 or more (0 = never expires)");
    }

    @Test
    void refusesAListNamingAnUnknownBroker() {
        assertRefused(MqttrepEnvironmentTest.minimal("MQTTREP_PUBLISH_WHITELIST_t", "A,C"),
                "MQTTREP_PUBLISH_WHITELIST_t=A,C: unknown broker C (configured brokers: A, B; names are case-sensitive)");
    }

    @Test
    void refusesARuleWithNoBrokerToPublishTo() {
        assertRefused(MqttrepEnvironmentTest.minimal("MQTTREP_PUBLISH_BLACKLIST_t", "A", "MQTTREP_PULISH_BLACKLIST_t", "B"),
                "MQTTREP_TOPIC_t=sensors/#: no broker to publish to: the publish whitelist/blacklist exclude every broker");
    }

    @Test
    void refusesAnUnknownMergeAlgorithm() {
        assertRefused(MqttrepEnvironmentTest.minimal("MQTTREP_MERGE_t", "jsonbiggest"),
                "MQTTREP_MERGE_t=jsonbiggest: merge algorithm 'jsonbiggest' needs a path, e.g. jsonbiggest:value");
    }

    @Test
    void printsSeveralProblemsOnePerLine() {
        assertRefused(MqttrepEnvironmentTest.minimal("MQTTREP_QOS_t", "3", "MQTTREP_CLIENT_B", "ftp://b",
                        "MQTTREP_CONFIG_A", "{\"password\":\"hunter2\",\"protocolVersion\":3}"),
                "MQTTREP_CLIENT_B=ftp://b: unknown scheme 'ftp' (expected mqtt, mqtts, ws, wss, tcp, ssl or tls)",
                "MQTTREP_CONFIG_A: protocolVersion=3: MQTT 3.1 is not supported: use 4 (MQTT 3.1.1) or 5 (MQTT 5)",
                "MQTTREP_CONFIG_A: a password without a username is not allowed by MQTT 3.1.1 (protocolVersion 4)",
                "MQTTREP_QOS_t=3: QoS must be 0, 1 or 2");
        assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("hunter2");
    }
}
