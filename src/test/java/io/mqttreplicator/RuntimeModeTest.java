package io.mqttreplicator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeModeTest {

    @Test
    void anExplicitModeWins() {
        assertThat(RuntimeMode.OPERATOR.resolve(Map.of("MQTTREP_CLIENT_a", "mqtt://a"))).isEqualTo(RuntimeMode.OPERATOR);
        assertThat(RuntimeMode.STANDALONE.resolve(Map.of())).isEqualTo(RuntimeMode.STANDALONE);
    }

    @Test
    void mqttrepVariablesMeanStandaloneEvenInsideKubernetes() {
        assertThat(RuntimeMode.AUTO.resolve(Map.of("MQTTREP_TOPIC_t", "#", "KUBERNETES_SERVICE_HOST", "10.0.0.1")))
                .isEqualTo(RuntimeMode.STANDALONE);
        assertThat(RuntimeMode.AUTO.resolve(Map.of("MQTT_REPLICATOR_MERGE_FREQUENCY", "2"))).isEqualTo(RuntimeMode.STANDALONE);
    }

    @Test
    void withoutThemTheOperatorRuns() {
        assertThat(RuntimeMode.AUTO.resolve(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"))).isEqualTo(RuntimeMode.OPERATOR);
        assertThat(RuntimeMode.AUTO.resolve(Map.of("MQTT_REPLICATOR_MODE", "auto"))).isEqualTo(RuntimeMode.OPERATOR);
    }

    @Test
    void kubernetesIsConfiguredInAPodOrThroughAKubeconfig(@TempDir Path home) throws Exception {
        assertThat(RuntimeMode.kubernetesConfigured(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"), Map.of())).isTrue();
        assertThat(RuntimeMode.kubernetesConfigured(Map.of("KUBECONFIG", "/somewhere"), Map.of())).isTrue();
        assertThat(RuntimeMode.kubernetesConfigured(Map.of("HOME", home.toString()), Map.of())).isFalse();
        Files.createDirectories(home.resolve(".kube"));
        Files.writeString(home.resolve(".kube").resolve("config"), "apiVersion: v1");
        assertThat(RuntimeMode.kubernetesConfigured(Map.of("HOME", home.toString()), Map.of())).isTrue();
    }

    @Test
    void anApiServerGivenTheFabric8WayCountsAsConfigured() {
        assertThat(RuntimeMode.kubernetesConfigured(Map.of("KUBERNETES_MASTER", "http://127.0.0.1:6443"), Map.of())).isTrue();
        assertThat(RuntimeMode.kubernetesConfigured(Map.of(), Map.of("kubernetes.master", "http://127.0.0.1:6443"))).isTrue();
        assertThat(RuntimeMode.kubernetesConfigured(Map.of(), Map.of("user.home", "/nowhere"))).isFalse();
    }
}
