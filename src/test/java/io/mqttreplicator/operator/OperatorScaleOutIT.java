package io.mqttreplicator.operator;

import static io.mqttreplicator.operator.Resources.broker;
import static io.mqttreplicator.operator.Resources.replication;
import static io.mqttreplicator.operator.Resources.state;
import static io.mqttreplicator.operator.Resources.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.operator.api.v1alpha1.BrokerSpec;
import io.mqttreplicator.operator.api.v1alpha1.TopicSpec;
import io.mqttreplicator.testing.FreePorts;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.ReplicatorProgram;
import io.mqttreplicator.testing.SequencePublisher;
import io.mqttreplicator.testing.SequenceRecorder;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two packaged operator processes (two replicas) against one mock API server, a resource with a
 * shared stream rule ({@code $share/rep/share/#}, QoS 1) and a state rule, two Mosquitto brokers
 * over MQTT 5, writers on both at full speed. Both replicas forward a share of the shared rule, the
 * Lease holder alone runs the state rule. The Lease holder is killed (SIGKILL) in the middle: the
 * other replica carries every new message, takes the Lease over and runs the state rule; the
 * killed one comes back (its container restarts, same pod name, same sessions). Every message
 * arrives on the other broker, none comes back to its source.
 */
class OperatorScaleOutIT {

    private static final int MESSAGES = 20_000;
    private static final String SHARED_PART = MockApiServer.NAMESPACE + "/sites" + ReplicationTranslator.SHARED_SUFFIX;

    @Test
    void bothReplicasForwardASharedRuleAndTheSurvivorCarriesEverythingWhenTheLeaseHolderIsKilled() throws Exception {
        String queueLimit = "max_queued_messages " + (MESSAGES * 4);
        try (MockApiServer apiServer = new MockApiServer();
                MosquittoBroker a = MosquittoBroker.builder().name("a").config(queueLimit).start();
                MosquittoBroker b = MosquittoBroker.builder().name("b").config(queueLimit).start();
                SequenceRecorder fromAOnB = SequenceRecorder.subscribe(b.port(), "recorder-ab", "share/a", MESSAGES);
                SequenceRecorder fromBOnA = SequenceRecorder.subscribe(a.port(), "recorder-ba", "share/b", MESSAGES);
                SequenceRecorder ownOnA = SequenceRecorder.subscribe(a.port(), "recorder-aa", "share/a", MESSAGES);
                SequenceRecorder ownOnB = SequenceRecorder.subscribe(b.port(), "recorder-bb", "share/b", MESSAGES);
                TestMqttClient stateOnB = TestMqttClient.connect(b.port()).subscribe("state/#", 1)) {
            TopicSpec shared = stream("$share/rep/share/#");
            shared.setQos(1);
            apiServer.admin().resource(replication(MockApiServer.NAMESPACE, "sites",
                    List.of(mqtt5(broker("a", a.url())), mqtt5(broker("b", b.url()))), List.of(shared, state("state/#")))).create();
            Map<String, ReplicatorProgram> replicas = new LinkedHashMap<>();
            for (String pod : List.of("operator-0", "operator-1")) {
                replicas.put(pod, ReplicatorProgram.start(pod, environment(apiServer, pod)));
            }
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> apiServer.leaseHolder() != null);
                replicas.values().forEach(replica -> replica.awaitOutput("Starting replication " + SHARED_PART, 1,
                        Duration.ofSeconds(60)));
                SequenceRecorder.awaitCrossingBothWays(a.port(), b.port(), fromAOnB, fromBOnA);
                String holder = apiServer.leaseHolder();
                String survivor = replicas.keySet().stream().filter(pod -> !pod.equals(holder)).findFirst().orElseThrow();
                assertThat(replicas.get(survivor).countInOutput("Starting replication " + MockApiServer.NAMESPACE + "/sites:"))
                        .as("the standby runs the shared rule only").isZero();

                try (SequencePublisher onA = SequencePublisher.start(a.port(), "share/a", MESSAGES, 200);
                        SequencePublisher onB = SequencePublisher.start(b.port(), "share/b", MESSAGES, 200)) {
                    await().atMost(Duration.ofSeconds(60)).until(() -> fromAOnB.distinct() >= MESSAGES / 4);
                    Map<String, Double> beforeKill = new LinkedHashMap<>();
                    replicas.forEach((pod, replica) -> beforeKill.put(pod, replica.forwardedMessages(Map.of("replication", SHARED_PART))));
                    long killedAt = System.nanoTime();
                    replicas.get(holder).kill();
                    int onBAtKill = fromAOnB.distinct();
                    await().atMost(Duration.ofSeconds(60)).until(() -> fromAOnB.distinct() > onBAtKill + 1_000);
                    int carriedAlone = fromAOnB.distinct() - onBAtKill;
                    long carriedWithinMillis = (System.nanoTime() - killedAt) / 1_000_000;

                    await().atMost(Duration.ofSeconds(60)).until(() -> survivor.equals(apiServer.leaseHolder()));
                    long takeoverMillis = (System.nanoTime() - killedAt) / 1_000_000;
                    try (TestMqttClient writer = TestMqttClient.connect(a.port())) {
                        writer.publish("state/door", "open", 1, true);
                    }
                    await().atMost(Duration.ofSeconds(60)).until(() -> !stateOnB.received("state/door").isEmpty());
                    replicas.get(holder).restart();

                    await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
                            .until(() -> fromAOnB.distinct() == MESSAGES && fromBOnA.distinct() == MESSAGES);
                    assertThat(onA.acknowledged()).isEqualTo(MESSAGES);
                    assertThat(onB.acknowledged()).isEqualTo(MESSAGES);
                    assertThat(fromAOnB.missing()).isZero();
                    assertThat(fromBOnA.missing()).isZero();
                    assertThat(beforeKill.values()).as("both replicas forwarded a share: %s", beforeKill).allMatch(count -> count > 0);
                    System.out.printf("Operator scale-out, 2 replicas, %d messages each way on a shared rule: forwarded before the"
                            + " kill %s; %s (the Lease holder) killed; %s alone carried %d more messages A to B within %d ms"
                            + " of the kill, and held the Lease %d ms after it; A to B %s; B to A %s%n", MESSAGES, beforeKill,
                            holder, survivor, carriedAlone, carriedWithinMillis, takeoverMillis, fromAOnB, fromBOnA);
                }
                // a forward coming back to its source would be a second copy for the subscriber there
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                        .until(() -> ownOnA.duplicates() == 0 && ownOnB.duplicates() == 0);
                assertThat(ownOnA.distinct()).isEqualTo(MESSAGES);
                assertThat(ownOnB.distinct()).isEqualTo(MESSAGES);
            } finally {
                replicas.values().forEach(ReplicatorProgram::close);
            }
        }
    }

    private static BrokerSpec mqtt5(BrokerSpec broker) {
        broker.setProtocolVersion(5);
        return broker;
    }

    private static Map<String, String> environment(MockApiServer apiServer, String pod) {
        return Map.of(
                "MQTT_REPLICATOR_MODE", "operator",
                "QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", "http://127.0.0.1:" + apiServer.port() + "/",
                "QUARKUS_KUBERNETES_CLIENT_NAMESPACE", MockApiServer.NAMESPACE,
                "POD_NAME", pod,
                "QUARKUS_HTTP_PORT", String.valueOf(FreePorts.next()));
    }
}
