package io.mqttreplicator.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.Main;
import io.mqttreplicator.testing.FreePorts;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.PrometheusScrape;
import io.mqttreplicator.testing.TestMqttClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged program, started as a user would: {@code java -jar} with MQTTREP_* variables. */
class StandaloneProcessIT {

    private static final Path JAR = Paths.get("target", "quarkus-app", "quarkus-run.jar");

    @TempDir
    Path directory;

    @Test
    void invalidVariablesStopTheProgramWithOneLinePerProblem() throws Exception {
        Process process = start(Map.of(
                "MQTTREP_CLIENT_a", "mqtt://127.0.0.1:1",
                "MQTTREP_CLIENT_b", "gopher://127.0.0.1:2",
                "MQTTREP_CONFIG_a", "{\"password\": \"s3cret-value\",",
                "MQTTREP_TOPIC_t", "sensors/#",
                "MQTTREP_QOS_t", "3",
                "MQTTREP_TTL_t", "-5",
                "MQTTREP_MERGE_t", "smallest",
                "MQTTREP_PUBLISH_WHITELIST_t", "nowhere"));

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the program stops by itself").isTrue();
        String stderr = Files.readString(directory.resolve("stderr"), StandardCharsets.UTF_8);
        String output = stderr + Files.readString(directory.resolve("stdout"), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).isEqualTo(StandaloneLauncher.EXIT_INVALID_CONFIGURATION);
        List<String> lines = stderr.lines().toList();
        assertThat(lines).contains("mqtt-replicator: invalid configuration:");
        for (String variable : List.of("MQTTREP_CLIENT_b=gopher://127.0.0.1:2", "MQTTREP_CONFIG_a", "MQTTREP_QOS_t=3",
                "MQTTREP_TTL_t=-5", "MQTTREP_MERGE_t=smallest", "MQTTREP_PUBLISH_WHITELIST_t=nowhere")) {
            assertThat(lines).as("a line for %s", variable).filteredOn(line -> line.startsWith(variable)).hasSize(1);
        }
        assertThat(output).doesNotContain("s3cret-value").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void withoutVariablesOrKubernetesItSaysThereIsNothingToRun() throws Exception {
        Process process = start(Map.of("HOME", directory.toString()), "KUBERNETES_SERVICE_HOST", "KUBECONFIG");

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the program stops by itself").isTrue();
        assertThat(process.exitValue()).isEqualTo(StandaloneLauncher.EXIT_INVALID_CONFIGURATION);
        assertThat(Files.readString(directory.resolve("stderr"), StandardCharsets.UTF_8).lines())
                .containsExactly(Main.NOTHING_TO_RUN);
    }

    /** Also in a pod (Kubernetes variables set): standalone mode never calls the Kubernetes API, and is ready. */
    @Test
    void replicatesBetweenTwoBrokersFromTheVariables() throws Exception {
        try (MosquittoBroker paris = MosquittoBroker.builder().name("paris").start();
                MosquittoBroker oslo = MosquittoBroker.builder().name("oslo").start();
                TestMqttClient onOslo = TestMqttClient.connect(oslo.port()).subscribe("events/#", 1);
                TestMqttClient onParis = TestMqttClient.connect(paris.port());
                ServerSocket kubernetesApi = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            AtomicInteger apiConnections = new AtomicInteger();
            Thread acceptor = new Thread(() -> acceptAll(kubernetesApi, apiConnections), "kubernetes-api");
            acceptor.setDaemon(true);
            acceptor.start();
            int httpPort = FreePorts.next();
            Process process = start(Map.of(
                    "MQTTREP_CLIENT_paris", paris.url(),
                    "MQTTREP_CLIENT_oslo", oslo.url(),
                    "MQTTREP_TOPIC_events", "events/#",
                    "MQTTREP_MODE_events", "stream",
                    "KUBERNETES_SERVICE_HOST", "127.0.0.1",
                    "KUBERNETES_SERVICE_PORT", String.valueOf(kubernetesApi.getLocalPort()),
                    "QUARKUS_HTTP_HOST", "127.0.0.1",
                    "QUARKUS_HTTP_PORT", String.valueOf(httpPort)));
            try {
                int[] sent = {0};
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    assertThat(process.isAlive()).as("the replicator runs").isTrue();
                    onParis.publish("events/door", "opened-" + sent[0]++, 1, false);
                    return !onOslo.received("events/door").isEmpty();
                });
                assertThat(onOslo.received("events/door").get(0).text()).startsWith("opened-");
                HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready")).build(), BodyHandlers.ofString());
                assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
                assertThat(ready.body()).contains("standalone-replication");
                assertMetricsOfTheReplication(httpPort);
                assertThat(apiConnections).as("connections to the Kubernetes API").hasValue(0);
            } finally {
                process.destroy();
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("SIGTERM stops it").isTrue();
            }
            String stdout = Files.readString(directory.resolve("stdout"), StandardCharsets.UTF_8);
            assertThat(stdout).contains("Starting replication standalone");
            assertThat(stdout.lines().filter(line -> line.contains(" WARN ") || line.contains(" ERROR ")))
                    .as("warnings and errors of a run without problems").isEmpty();
        }
    }

    /** The same meters as in operator mode, counting what the replication did. */
    private static void assertMetricsOfTheReplication(int httpPort) {
        Map<String, String> fromParis = Map.of("replication", "standalone", "broker", "paris", "rule", "events");
        Map<String, String> toOslo = Map.of("replication", "standalone", "broker", "oslo", "rule", "events");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + httpPort + "/q/metrics")).build(), BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            PrometheusScrape scrape = PrometheusScrape.parse(response.body());
            assertThat(scrape.value("mqttrep_messages_received_total", fromParis).orElseThrow()).isPositive();
            assertThat(scrape.value("mqttrep_messages_forwarded_total", toOslo).orElseThrow()).isPositive();
            assertThat(scrape.value("mqttrep_messages_dropped_total", Map.of("replication", "standalone", "broker", "oslo",
                    "rule", "events", "reason", "echo")).orElseThrow()).isPositive();
            assertThat(scrape.value("mqttrep_forward_latency_seconds_count", Map.of("replication", "standalone")).orElseThrow())
                    .isPositive();
            assertThat(scrape.value("mqttrep_merge_tick_seconds_count", Map.of("replication", "standalone")).orElseThrow())
                    .isPositive();
            assertThat(scrape.value("mqttrep_in_flight", Map.of("replication", "standalone", "broker", "paris"))).isPresent();
            for (String broker : List.of("paris", "oslo")) {
                assertThat(scrape.value("mqttrep_broker_connected", Map.of("replication", "standalone", "broker", broker)))
                        .hasValue(1);
            }
        });
    }

    private static void acceptAll(ServerSocket server, AtomicInteger connections) {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                connections.incrementAndGet();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private Process start(Map<String, String> variables, String... removed) throws IOException {
        assertThat(JAR).as("built by ./mvnw package").exists();
        ProcessBuilder builder = new ProcessBuilder(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toAbsolutePath().toString())
                .redirectOutput(directory.resolve("stdout").toFile())
                .redirectError(directory.resolve("stderr").toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("MQTTREP_") || name.startsWith("MQTT_REPLICATOR_"));
        builder.environment().keySet().removeAll(List.of(removed));
        // never the default port 8080, which another program on the machine may hold
        builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(FreePorts.next()));
        builder.environment().putAll(variables);
        return builder.start();
    }
}
