package io.mqttreplicator.container;

import static io.mqttreplicator.container.ImageContainers.MQTT_PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import io.mqttreplicator.testing.FreePorts;
import io.mqttreplicator.testing.LocalImages;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The image {@code mqtt-replicator:local} in standalone mode, run as the Deployment runs it (user,
 * read-only root, tmpfs, no capabilities, memory and CPU limits: {@link DeploymentRuntime}),
 * replicating between two Mosquitto containers. Each broker is on a user-defined network of its own
 * and the replicator on both, so that disconnecting the replicator from one network cuts it off
 * from that broker alone, while the test keeps reaching both brokers on their ports published on
 * 127.0.0.1.
 */
class ReplicatorImageIT {

    private static final DeploymentRuntime DEPLOYMENT = DeploymentRuntime.fromManifest();
    private static final Duration ARRIVAL = Duration.ofSeconds(60);
    private static final int MESSAGES = 200;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final DockerClient docker = DockerClientFactory.instance().client();
    private final int portA = FreePorts.next();
    private final int portB = FreePorts.next();
    private Network networkA;
    private Network networkB;
    private GenericContainer<?> siteA;
    private GenericContainer<?> siteB;
    private GenericContainer<?> replicator;

    @BeforeAll
    static void images() {
        LocalImages.require();
    }

    @BeforeEach
    void start() {
        networkA = track(Network.newNetwork());
        networkB = track(Network.newNetwork());
        siteA = track(ImageContainers.mosquitto(networkA, "site-a", portA));
        siteB = track(ImageContainers.mosquitto(networkB, "site-b", portB));
        siteA.start();
        siteB.start();
        replicator = track(replicatorContainer());
        replicator.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void replicatesBothWaysHardenedAsTheDeploymentRunsItWithinItsMemoryLimit() throws Exception {
        try (TestMqttClient clientA = TestMqttClient.connect(portA).subscribe("events/#", 1);
                TestMqttClient clientB = TestMqttClient.connect(portB).subscribe("events/#", 1)) {
            // ready means the replication is applied, not yet subscribed: what came before that is not replicated
            await().atMost(ARRIVAL).pollInterval(Duration.ofMillis(250)).until(() -> {
                clientA.publish("events/probe-a", "probe", 1, false);
                clientB.publish("events/probe-b", "probe", 1, false);
                return !clientB.received("events/probe-a").isEmpty() && !clientA.received("events/probe-b").isEmpty();
            });
            for (int i = 0; i < MESSAGES; i++) {
                clientA.publish("events/from-a/" + i, "a-" + i, 1, false);
                clientB.publish("events/from-b/" + i, "b-" + i, 1, false);
            }
            awaitEachOnce(clientB, "events/from-a/", MESSAGES);
            awaitEachOnce(clientA, "events/from-b/", MESSAGES);
            // nothing comes back to where it was written
            assertEachOnce(clientA, "events/from-a/", MESSAGES);
            assertEachOnce(clientB, "events/from-b/", MESSAGES);
        }

        int http = replicator.getMappedPort(DEPLOYMENT.httpPort());
        for (String probe : List.of("/q/health/started", "/q/health/live", "/q/health/ready")) {
            var response = ImageContainers.get(http, probe);
            assertThat(response.statusCode()).as(probe + ": " + response.body()).isEqualTo(200);
            assertThat(response.body()).as(probe).contains("\"status\": \"UP\"");
        }
        double maxHeap = ImageContainers.maxHeap(http);
        assertThat(maxHeap).as("the heap bound: half the container's memory limit (Dockerfile.jvm)")
                .isBetween(0.4 * DEPLOYMENT.memoryLimit(), 0.5 * DEPLOYMENT.memoryLimit());
        long peak = ImageContainers.peakMemory(replicator);
        InspectContainerResponse state = docker.inspectContainerCmd(replicator.getContainerId()).exec();
        assertThat(state.getState().getOOMKilled()).isFalse();
        assertThat(peak).as("peak memory").isLessThan(DEPLOYMENT.memoryLimit());
        System.out.printf("Image in standalone mode, limit %d MiB: heap bound %.0f MiB, peak memory %d MiB%n",
                DEPLOYMENT.memoryLimit() >> 20, maxHeap / (1 << 20), peak >> 20);
    }

    @Test
    void sigtermEndsItWithinTheGracePeriodClosingItsConnectionsAndItsSessionsKeepWhatCameMeanwhile() {
        try (TestMqttClient clientA = TestMqttClient.connect(portA);
                TestMqttClient clientB = TestMqttClient.connect(portB).subscribe("events/#", 1)) {
            clientA.publish("events/before", "before", 1, false);
            await().atMost(ARRIVAL).until(() -> !clientB.received("events/before").isEmpty());
            String clientIdA = MosquittoBroker.replicatorClientId(siteA.getLogs());
            String clientIdB = MosquittoBroker.replicatorClientId(siteB.getLogs());

            long stopping = System.nanoTime();
            docker.stopContainerCmd(replicator.getContainerId()).withTimeout((int) DEPLOYMENT.gracePeriod().toSeconds()).exec();
            Duration stoppedAfter = Duration.ofNanos(System.nanoTime() - stopping);
            InspectContainerResponse.ContainerState state = docker.inspectContainerCmd(replicator.getContainerId()).exec().getState();

            assertThat(state.getExitCodeLong()).as("not killed after the grace period (137)").isNotEqualTo(137L);
            assertThat(stoppedAfter).isLessThan(DEPLOYMENT.gracePeriod());
            assertThat(siteA.getLogs()).as("a clean MQTT DISCONNECT").contains("Client " + clientIdA + " disconnected.");
            assertThat(siteB.getLogs()).as("a clean MQTT DISCONNECT").contains("Client " + clientIdB + " disconnected.");
            System.out.printf("Image stopped with SIGTERM in %d ms, exit code %d%n", stoppedAfter.toMillis(), state.getExitCodeLong());

            publishSeries(clientA, "events/while-stopped/", MESSAGES);
            docker.startContainerCmd(replicator.getContainerId()).exec();

            awaitEachOnce(clientB, "events/while-stopped/", MESSAGES);
            assertThat(siteA.getLogs().split(Pattern.quote("as " + clientIdA + " (p2, c0"), -1))
                    .as("the same persistent session, twice").hasSize(3);
        }
    }

    @Test
    void aNetworkPartitionAndARestartOfABrokerLoseNothing() {
        try (TestMqttClient clientA = TestMqttClient.connect(portA);
                TestMqttClient clientB = TestMqttClient.connect(portB).subscribe("events/#", 1)) {
            clientA.publish("events/before", "before", 1, false);
            await().atMost(ARRIVAL).until(() -> !clientB.received("events/before").isEmpty());

            docker.disconnectFromNetworkCmd().withNetworkId(networkB.getId()).withContainerId(replicator.getContainerId()).exec();
            publishSeries(clientA, "events/partition/", MESSAGES);
            // long enough for the keep-alive (5 s) to notice
            await().pollDelay(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(11)).until(() -> true);
            assertThat(clientB.received().stream().filter(m -> m.topic().startsWith("events/partition/")))
                    .as("nothing crosses the partition").isEmpty();
            docker.connectToNetworkCmd().withNetworkId(networkB.getId()).withContainerId(replicator.getContainerId()).exec();
            int partitionDuplicates = awaitEachAtLeastOnce(clientB, "events/partition/", MESSAGES);

            publishSeries(clientA, "events/before-restart/", MESSAGES);
            docker.restartContainerCmd(siteA.getContainerId()).withTimeout(10).exec();
            await().atMost(Duration.ofSeconds(30)).until(() -> siteA.getLogs().split("mosquitto version \\S+ running", -1).length > 2);
            try (TestMqttClient clientAAgain = TestMqttClient.connect(portA)) {
                publishSeries(clientAAgain, "events/after-restart/", MESSAGES);
            }
            int beforeRestartDuplicates = awaitEachAtLeastOnce(clientB, "events/before-restart/", MESSAGES);
            int afterRestartDuplicates = awaitEachAtLeastOnce(clientB, "events/after-restart/", MESSAGES);
            System.out.printf("Image: %d messages across a network partition, %d duplicates; %d before and %d after a restart"
                    + " of the source broker, %d and %d duplicates%n", MESSAGES, partitionDuplicates, MESSAGES, MESSAGES,
                    beforeRestartDuplicates, afterRestartDuplicates);
        }
    }

    private GenericContainer<?> replicatorContainer() {
        return new OnBothNetworks()
                .withNetwork(networkA)
                .withEnv(Map.of(
                        "MQTTREP_CLIENT_a", "mqtt://site-a:" + MQTT_PORT,
                        "MQTTREP_CLIENT_b", "mqtt://site-b:" + MQTT_PORT,
                        "MQTTREP_CONFIG_a", "{\"clean\": false, \"keepalive\": 5, \"reconnectPeriod\": 500}",
                        "MQTTREP_CONFIG_b", "{\"clean\": false, \"keepalive\": 5, \"reconnectPeriod\": 500}",
                        "MQTTREP_TOPIC_events", "events/#",
                        "MQTTREP_MODE_events", "stream",
                        "MQTTREP_QOS_events", "1"))
                .withExposedPorts(DEPLOYMENT.httpPort())
                .withCreateContainerCmdModifier(command -> {
                    DEPLOYMENT.applyTo(command);
                    command.withHostName("replicator-0");
                    command.getHostConfig().withPublishAllPorts(false)
                            .withPortBindings(ImageContainers.loopbackBinding(FreePorts.next(), DEPLOYMENT.httpPort()));
                })
                .waitingFor(Wait.forHttp("/q/health/ready").forPort(DEPLOYMENT.httpPort()).forStatusCode(200)
                        .withStartupTimeout(Duration.ofSeconds(90)));
    }

    /** A container on the second broker's network too, before it starts: it reaches both brokers from the first moment. */
    private final class OnBothNetworks extends GenericContainer<OnBothNetworks> {
        OnBothNetworks() {
            super(DockerImageName.parse(LocalImages.REPLICATOR));
        }

        @Override
        protected void containerIsCreated(String containerId) {
            docker.connectToNetworkCmd().withNetworkId(networkB.getId()).withContainerId(containerId).exec();
        }
    }

    private static void publishSeries(TestMqttClient client, String prefix, int count) {
        IntStream.range(0, count).forEach(i -> client.publish(prefix + i, prefix + i, 1, false));
    }

    private static void awaitEachOnce(TestMqttClient client, String prefix, int count) {
        await().atMost(ARRIVAL).until(() -> client.received().stream().filter(m -> m.topic().startsWith(prefix)).count() >= count);
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);
        assertEachOnce(client, prefix, count);
    }

    private static void assertEachOnce(TestMqttClient client, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            assertThat(client.received(prefix + i)).as(prefix + i).hasSize(1);
        }
    }

    /** Waits until each message arrived; returns how many arrived more than once. */
    private static int awaitEachAtLeastOnce(TestMqttClient client, String prefix, int count) {
        await().atMost(ARRIVAL).until(() -> IntStream.range(0, count).allMatch(i -> !client.received(prefix + i).isEmpty()));
        return IntStream.range(0, count).map(i -> client.received(prefix + i).size() - 1).sum();
    }

    private <T extends AutoCloseable> T track(T closeable) {
        closeables.add(closeable);
        return closeable;
    }
}
