package io.mqttreplicator.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
    void replicatesBetweenTwoBrokersFromTheVariables() throws Exception {
        try (MosquittoBroker paris = MosquittoBroker.builder().name("paris").start();
                MosquittoBroker oslo = MosquittoBroker.builder().name("oslo").start();
                TestMqttClient onOslo = TestMqttClient.connect(oslo.port()).subscribe("events/#", 1);
                TestMqttClient onParis = TestMqttClient.connect(paris.port())) {
            Process process = start(Map.of(
                    "MQTTREP_CLIENT_paris", paris.url(),
                    "MQTTREP_CLIENT_oslo", oslo.url(),
                    "MQTTREP_TOPIC_events", "events/#",
                    "MQTTREP_MODE_events", "stream"));
            try {
                int[] sent = {0};
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    assertThat(process.isAlive()).as("the replicator runs").isTrue();
                    onParis.publish("events/door", "opened-" + sent[0]++, 1, false);
                    return !onOslo.received("events/door").isEmpty();
                });
                assertThat(onOslo.received("events/door").get(0).text()).startsWith("opened-");
            } finally {
                process.destroy();
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("SIGTERM stops it").isTrue();
            }
            assertThat(Files.readString(directory.resolve("stdout"), StandardCharsets.UTF_8)).contains("Starting replication standalone");
        }
    }

    private Process start(Map<String, String> variables) throws IOException {
        assertThat(JAR).as("built by ./mvnw package").exists();
        ProcessBuilder builder = new ProcessBuilder(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toAbsolutePath().toString())
                .redirectOutput(directory.resolve("stdout").toFile())
                .redirectError(directory.resolve("stderr").toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("MQTTREP_") || name.startsWith("MQTT_REPLICATOR_"));
        builder.environment().putAll(variables);
        return builder.start();
    }
}
