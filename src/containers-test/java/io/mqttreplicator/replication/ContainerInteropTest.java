package io.mqttreplicator.replication;

import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.testing.Definitions;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.ReplicationHarness;
import io.mqttreplicator.testing.TestBroker;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * The interop scenarios with EMQX and VerneMQ in containers, next to a Mosquitto process; only in
 * the {@code containers} profile, on a machine with a Docker engine (not in CI). Each test gets
 * fresh containers, so no retained message or session is left over from another test. The
 * images can be changed with {@code -Dcontainers.emqx.image=…} and {@code -Dcontainers.vernemq.image=…}.
 */
@Testcontainers
class ContainerInteropTest {

    private static final int MQTT_PORT = 1883;
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    @Container
    private final GenericContainer<?> emqx = new GenericContainer<>(
            DockerImageName.parse(System.getProperty("containers.emqx.image", "emqx/emqx:5.8.6")))
            .withExposedPorts(MQTT_PORT)
            .waitingFor(Wait.forLogMessage(".*is running now.*", 1).withStartupTimeout(START_TIMEOUT));

    /**
     * The official image asks to accept its EULA (a paid subscription for commercial use of the
     * binary images); MQTT 5 is off on its listener unless allowed.
     */
    @Container
    private final GenericContainer<?> vernemq = new GenericContainer<>(
            DockerImageName.parse(System.getProperty("containers.vernemq.image", "vernemq/vernemq:2.0.1")))
            .withEnv("DOCKER_VERNEMQ_ACCEPT_EULA", "yes")
            .withEnv("DOCKER_VERNEMQ_ALLOW_ANONYMOUS", "on")
            .withEnv("DOCKER_VERNEMQ_LISTENER__TCP__ALLOWED_PROTOCOL_VERSIONS", "3,4,5")
            .withExposedPorts(MQTT_PORT)
            .waitingFor(Wait.forListeningPort().withStartupTimeout(START_TIMEOUT));

    /** Which MQTT version the replicator speaks to EMQX (b) and VerneMQ (c); Mosquitto (a) gets 3.1.1. */
    enum Brokers {
        MOSQUITTO_EMQX_AND_VERNEMQ(4),
        MOSQUITTO_EMQX_AND_VERNEMQ_OVER_MQTT5(5);

        private final int containerProtocolVersion;

        Brokers(int containerProtocolVersion) {
            this.containerProtocolVersion = containerProtocolVersion;
        }

        BrokerSettings settings(ReplicationHarness harness, String name) {
            return Definitions.broker(name, harness.testBroker(name).url(), 2,
                    name.equals("a") ? 4 : containerProtocolVersion);
        }
    }

    private ReplicationHarness start() {
        Map<String, TestBroker> brokers = new LinkedHashMap<>();
        brokers.put("a", MosquittoBroker.start());
        brokers.put("b", new ContainerBroker(emqx));
        brokers.put("c", new ContainerBroker(vernemq));
        return ReplicationHarness.with(brokers);
    }

    @ParameterizedTest
    @EnumSource(Brokers.class)
    void concurrentStreamWritesArriveExactlyOnceInOrderOnEveryBroker(Brokers kinds) {
        try (ReplicationHarness harness = start()) {
            InteropScenarios.concurrentStreamWrites(harness, name -> kinds.settings(harness, name));
        }
    }

    @ParameterizedTest
    @EnumSource(Brokers.class)
    void stateConvergesOnTheLastWriteEverywhereAndADeletionPropagates(Brokers kinds) {
        try (ReplicationHarness harness = start()) {
            InteropScenarios.stateConvergence(harness, name -> kinds.settings(harness, name));
        }
    }

    @ParameterizedTest
    @EnumSource(Brokers.class)
    void aValueRetainedBeforeTheReplicatorStartsSpreads(Brokers kinds) {
        try (ReplicationHarness harness = start()) {
            InteropScenarios.valueRetainedBeforeStart(harness, name -> kinds.settings(harness, name), true);
        }
    }

    /**
     * A broker in a container, reached on its port mapped to the local machine (a local Docker
     * engine); Testcontainers stops it after the test.
     */
    private record ContainerBroker(GenericContainer<?> container) implements TestBroker {
        @Override
        public int port() {
            return container.getMappedPort(MQTT_PORT);
        }

        @Override
        public String url() {
            return "mqtt://127.0.0.1:" + port();
        }

        @Override
        public TestMqttClient client() {
            return TestMqttClient.connectSettled(port());
        }

        @Override
        public void close() {
            // the container belongs to the test instance: Testcontainers stops it
        }
    }
}
