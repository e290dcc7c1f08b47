package io.mqttreplicator.operator;

import static io.mqttreplicator.operator.Resources.broker;
import static io.mqttreplicator.operator.Resources.replication;
import static io.mqttreplicator.operator.Resources.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.testing.FreePorts;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.TestMqttClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged program in operator mode (prod profile, so with leader election and its production
 * timings) against the mock API server: it holds the Lease under its pod name, and when it is cut
 * off from the API server it closes its broker connections and exits, so that Kubernetes restarts
 * it as a standby; when it is stopped (SIGTERM) it hands the Lease over.
 */
class OperatorProcessIT {

    private static final Path JAR = Paths.get("target", "quarkus-app", "quarkus-run.jar");
    private static final String POD_NAME = "mqtt-replicator-7d9f8c6b5-x2kqp";

    @TempDir
    Path directory;

    @Test
    void holdsTheLeaseAsItsPodAndExitsAfterClosingItsConnectionsWhenCutOffFromTheApiServer() throws Exception {
        try (MockApiServer apiServer = new MockApiServer();
                ApiServerLink link = new ApiServerLink(apiServer.port());
                MosquittoBroker siteA = MosquittoBroker.builder().name("site-a").start();
                MosquittoBroker siteB = MosquittoBroker.builder().name("site-b").start();
                TestMqttClient publisher = TestMqttClient.connect(siteA.port());
                TestMqttClient subscriber = TestMqttClient.connect(siteB.port()).subscribe("events/#", 1)) {
            apiServer.admin().resource(replication(MockApiServer.NAMESPACE, "sites",
                    List.of(broker("site-a", siteA.url()), broker("site-b", siteB.url())), List.of(stream("events/#")))).create();
            Process process = start(Map.of(
                    "MQTT_REPLICATOR_MODE", "operator",
                    "QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", link.url(),
                    "QUARKUS_KUBERNETES_CLIENT_NAMESPACE", MockApiServer.NAMESPACE,
                    "POD_NAME", POD_NAME,
                    "HOSTNAME", "node-1",
                    "QUARKUS_HTTP_HOST", "127.0.0.1",
                    "QUARKUS_HTTP_PORT", String.valueOf(FreePorts.next())));
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> POD_NAME.equals(apiServer.leaseHolder()) || !process.isAlive());
                assertThat(process.isAlive()).as("the operator runs; its output is in " + directory).isTrue();
                int[] sent = {0};
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    publisher.publish("events/door", "opened-" + sent[0]++, 1, false);
                    return !subscriber.received("events/door").isEmpty();
                });
                String clientIdA = MosquittoBroker.replicatorClientId(siteA.log());

                long cutAt = System.nanoTime();
                link.cut();

                assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("it exits by itself").isTrue();
                long exitedAfter = (System.nanoTime() - cutAt) / 1_000_000;
                assertThat(process.exitValue()).isEqualTo(1);
                assertThat(siteA.countInLog("Client " + clientIdA + " disconnected.")).as("a clean MQTT DISCONNECT").isEqualTo(1);
                assertThat(Files.readString(directory.resolve("stdout"), StandardCharsets.UTF_8))
                        .contains("Leader election: Lease mqtt-replicator-leader, identity " + POD_NAME)
                        .contains("standing down");
                System.out.printf("Packaged operator cut off from the API server (lease %s, renew deadline %s): exited after %d ms%n",
                        LeaderLease.DEFAULT.leaseDuration(), LeaderLease.DEFAULT.renewDeadline(), exitedAfter);
            } finally {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void onSigtermItClosesItsConnectionsAndGivesTheLeaseUp() throws Exception {
        try (MockApiServer apiServer = new MockApiServer();
                MosquittoBroker siteA = MosquittoBroker.builder().name("site-a").start();
                MosquittoBroker siteB = MosquittoBroker.builder().name("site-b").start();
                TestMqttClient publisher = TestMqttClient.connect(siteA.port());
                TestMqttClient subscriber = TestMqttClient.connect(siteB.port()).subscribe("events/#", 1)) {
            apiServer.admin().resource(replication(MockApiServer.NAMESPACE, "sites",
                    List.of(broker("site-a", siteA.url()), broker("site-b", siteB.url())), List.of(stream("events/#")))).create();
            Process process = start(Map.of(
                    "MQTT_REPLICATOR_MODE", "operator",
                    "QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", "http://127.0.0.1:" + apiServer.port() + "/",
                    "QUARKUS_KUBERNETES_CLIENT_NAMESPACE", MockApiServer.NAMESPACE,
                    "POD_NAME", POD_NAME,
                    "QUARKUS_HTTP_HOST", "127.0.0.1",
                    "QUARKUS_HTTP_PORT", String.valueOf(FreePorts.next())));
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> POD_NAME.equals(apiServer.leaseHolder()) || !process.isAlive());
                assertThat(process.isAlive()).as("the operator runs; its output is in " + directory).isTrue();
                int[] sent = {0};
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    publisher.publish("events/door", "opened-" + sent[0]++, 1, false);
                    return !subscriber.received("events/door").isEmpty();
                });
                String clientIdA = MosquittoBroker.replicatorClientId(siteA.log());

                process.destroy();

                assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("SIGTERM stops it").isTrue();
                assertThat(apiServer.leaseHolder()).as("the Lease was given up").isNull();
                assertThat(siteA.countInLog("Client " + clientIdA + " disconnected.")).as("a clean MQTT DISCONNECT").isEqualTo(1);
                assertThat(Files.readString(directory.resolve("stdout"), StandardCharsets.UTF_8))
                        .contains("Gave the Lease mqtt-replicator-leader up");
            } finally {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private Process start(Map<String, String> variables) throws IOException {
        assertThat(JAR).as("built by ./mvnw package").exists();
        ProcessBuilder builder = new ProcessBuilder(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toAbsolutePath().toString())
                .redirectOutput(directory.resolve("stdout").toFile())
                .redirectError(directory.resolve("stderr").toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("MQTTREP_") || name.startsWith("MQTT_REPLICATOR_")
                || name.startsWith("KUBERNETES_") || name.equals("KUBECONFIG"));
        builder.environment().put("HOME", directory.toString());
        builder.environment().putAll(variables);
        return builder.start();
    }
}
