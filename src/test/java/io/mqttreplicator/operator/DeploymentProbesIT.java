package io.mqttreplicator.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mqttreplicator.testing.FreePorts;
import io.mqttreplicator.testing.MosquittoBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged program answers the paths k8s/04-deployment.yaml probes and Prometheus scrapes.
 * It runs in standalone mode here (no API server): the health and metrics endpoints are the same
 * in both modes.
 */
class DeploymentProbesIT {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    @TempDir
    Path directory;

    @Test
    void theProgramAnswersEveryProbeAndTheScrapePathOfTheDeployment() throws Exception {
        Deployment deployment = new KubernetesSerialization()
                .unmarshal(Files.readString(Path.of("k8s", "04-deployment.yaml")), Deployment.class);
        Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        List<String> paths = new ArrayList<>(List.of(container.getStartupProbe().getHttpGet().getPath(),
                container.getLivenessProbe().getHttpGet().getPath(), container.getReadinessProbe().getHttpGet().getPath(),
                deployment.getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/path")));
        assertThat(JAR).as("built by ./mvnw package").exists();

        try (MosquittoBroker a = MosquittoBroker.start(); MosquittoBroker b = MosquittoBroker.start()) {
            int port = FreePorts.next();
            ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", JAR.toAbsolutePath().toString())
                    .redirectOutput(directory.resolve("stdout").toFile())
                    .redirectError(directory.resolve("stderr").toFile());
            builder.environment().keySet().removeIf(name -> name.startsWith("MQTTREP_") || name.startsWith("MQTT_REPLICATOR_"));
            builder.environment().putAll(Map.of(
                    "MQTTREP_CLIENT_a", a.url(),
                    "MQTTREP_CLIENT_b", b.url(),
                    "MQTTREP_TOPIC_t", "t/#",
                    "QUARKUS_HTTP_HOST", "127.0.0.1",
                    "QUARKUS_HTTP_PORT", String.valueOf(port)));
            Process process = builder.start();
            try {
                HttpClient http = HttpClient.newHttpClient();
                for (String path : paths) {
                    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(5)).build();
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                            .untilAsserted(() -> {
                                assertThat(process.isAlive()).as("the program runs").isTrue();
                                assertThat(http.send(request, BodyHandlers.ofString()).statusCode()).as(path).isEqualTo(200);
                            });
                }
            } finally {
                process.destroy();
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("SIGTERM stops it").isTrue();
            }
        }
    }

}
