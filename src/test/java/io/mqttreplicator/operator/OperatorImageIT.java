package io.mqttreplicator.operator;

import static io.mqttreplicator.operator.Resources.broker;
import static io.mqttreplicator.operator.Resources.replication;
import static io.mqttreplicator.operator.Resources.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import io.mqttreplicator.container.DeploymentRuntime;
import io.mqttreplicator.container.ImageContainers;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplication;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplicationStatus;
import io.mqttreplicator.testing.FreePorts;
import io.mqttreplicator.testing.LocalImages;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The image {@code mqtt-replicator:local} in operator mode, as the Deployment runs it (its
 * environment, user, read-only root, limits: {@link DeploymentRuntime}), against the mock API
 * server: it takes the Lease under its pod name, a resource becomes Ready and replicates between two
 * Mosquitto brokers, its probes answer, and SIGTERM stops it within the grace period, closing its
 * connections and giving the Lease up. The container shares the machine's network so that it
 * reaches the mock API server and the brokers on 127.0.0.1, where they listen.
 */
class OperatorImageIT {

    private static final DeploymentRuntime DEPLOYMENT = DeploymentRuntime.fromManifest();
    private static final String POD_NAME = "mqtt-replicator-5c8d7b9f4-k2x7q";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @BeforeAll
    static void images() {
        LocalImages.require();
    }

    @Test
    void aResourceBecomesReadyAndReplicatesAndSigtermGivesTheLeaseUp() throws Exception {
        DockerClient docker = DockerClientFactory.instance().client();
        int httpPort = FreePorts.next();
        try (MockApiServer apiServer = new MockApiServer();
                MosquittoBroker siteA = MosquittoBroker.builder().name("site-a").start();
                MosquittoBroker siteB = MosquittoBroker.builder().name("site-b").start();
                TestMqttClient publisher = TestMqttClient.connect(siteA.port());
                TestMqttClient subscriber = TestMqttClient.connect(siteB.port()).subscribe("events/#", 1);
                GenericContainer<?> operator = operatorContainer(apiServer, httpPort)) {
            apiServer.admin().resource(replication(MockApiServer.NAMESPACE, "sites",
                    List.of(broker("site-a", siteA.url()), broker("site-b", siteB.url())), List.of(stream("events/#")))).create();

            operator.start();

            await().atMost(TIMEOUT).until(() -> POD_NAME.equals(apiServer.leaseHolder()));
            MqttReplicationStatus status = await().atMost(TIMEOUT).until(() -> apiServer.admin()
                    .resources(MqttReplication.class).inNamespace(MockApiServer.NAMESPACE).withName("sites").get().getStatus(),
                    OperatorImageIT::ready);
            assertThat(status.getConnectedBrokers()).isEqualTo("2/2");
            for (int i = 0; i < 20; i++) {
                publisher.publish("events/door", "open-" + i, 1, false);
            }
            await().atMost(TIMEOUT).until(() -> subscriber.received("events/door").size() >= 20);
            assertThat(subscriber.receivedTexts("events/door"))
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "open-" + i).toList());
            for (String probe : List.of("/q/health/started", "/q/health/live", "/q/health/ready")) {
                var response = ImageContainers.get(httpPort, probe);
                assertThat(response.statusCode()).as(probe + ": " + response.body()).isEqualTo(200);
            }
            long peak = ImageContainers.peakMemory(operator);
            String clientIdA = MosquittoBroker.replicatorClientId(siteA.log());

            long stopping = System.nanoTime();
            docker.stopContainerCmd(operator.getContainerId()).withTimeout((int) DEPLOYMENT.gracePeriod().toSeconds()).exec();
            Duration stoppedAfter = Duration.ofNanos(System.nanoTime() - stopping);

            assertThat(docker.inspectContainerCmd(operator.getContainerId()).exec().getState().getExitCodeLong())
                    .as("not killed after the grace period (137)").isNotEqualTo(137L);
            assertThat(stoppedAfter).isLessThan(DEPLOYMENT.gracePeriod());
            assertThat(apiServer.leaseHolder()).as("the Lease was given up").isNull();
            assertThat(siteA.countInLog("Client " + clientIdA + " disconnected.")).as("a clean MQTT DISCONNECT").isEqualTo(1);
            assertThat(peak).isLessThan(DEPLOYMENT.memoryLimit());
            System.out.printf("Image in operator mode, limit %d MiB: peak memory %d MiB; stopped with SIGTERM in %d ms%n",
                    DEPLOYMENT.memoryLimit() >> 20, peak >> 20, stoppedAfter.toMillis());
        }
    }

    private static GenericContainer<?> operatorContainer(MockApiServer apiServer, int httpPort) {
        Map<String, String> environment = new HashMap<>(DEPLOYMENT.environment(POD_NAME));
        // in a cluster the client finds the API server and its namespace in the service account's mount
        environment.put("QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", "http://127.0.0.1:" + apiServer.port() + "/");
        environment.put("QUARKUS_KUBERNETES_CLIENT_NAMESPACE", MockApiServer.NAMESPACE);
        // on the machine's network: not on every interface, and not on a port in use
        environment.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        environment.put("QUARKUS_HTTP_PORT", String.valueOf(httpPort));
        return new GenericContainer<>(DockerImageName.parse(LocalImages.REPLICATOR))
                .withNetworkMode("host")
                .withEnv(environment)
                .withCreateContainerCmdModifier(DEPLOYMENT::applyTo)
                .waitingFor(Wait.forLogMessage(".*Listening on: http://127.0.0.1:" + httpPort + ".*\\n", 1)
                        .withStartupTimeout(TIMEOUT));
    }

    private static boolean ready(MqttReplicationStatus status) {
        return status != null && status.getConditions().stream()
                .anyMatch(condition -> Conditions.READY.equals(condition.getType()) && "True".equals(condition.getStatus()));
    }
}
