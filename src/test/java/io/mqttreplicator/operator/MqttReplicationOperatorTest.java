package io.mqttreplicator.operator;

import static io.mqttreplicator.operator.Resources.broker;
import static io.mqttreplicator.operator.Resources.brokerWithCredentials;
import static io.mqttreplicator.operator.Resources.include;
import static io.mqttreplicator.operator.Resources.replication;
import static io.mqttreplicator.operator.Resources.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mqttreplicator.broker.BrokerChannel;
import io.mqttreplicator.operator.api.v1alpha1.BrokerStatus;
import io.mqttreplicator.operator.api.v1alpha1.Condition;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplication;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplicationStatus;
import io.mqttreplicator.operator.api.v1alpha1.TopicSpec;
import io.mqttreplicator.replication.ReplicationManager;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.TestMqttClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator end to end: MqttReplication resources on the fabric8 mock API server, the real
 * reconciler and engine, and real Mosquitto brokers.
 */
@QuarkusTest
@WithKubernetesTestServer
class MqttReplicationOperatorTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Inject
    KubernetesClient client;

    @Inject
    OperatorRunner operator;

    @Inject
    ReplicationManager manager;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private String namespace;

    @BeforeEach
    void startOperator() {
        operator.start();
        namespace = client.getNamespace();
    }

    @AfterEach
    void cleanUp() throws Exception {
        client.resources(MqttReplication.class).inNamespace(namespace).delete();
        await().atMost(TIMEOUT).until(() -> client.resources(MqttReplication.class).inNamespace(namespace).list().getItems().isEmpty());
        client.secrets().inNamespace(namespace).delete();
        // clients before the brokers they are connected to
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void aCreatedResourceReplicatesAndBecomesReadyWithBothBrokersConnected() {
        MosquittoBroker a = mosquitto();
        MosquittoBroker b = mosquitto();
        create(replication(namespace, "sites", List.of(broker("site-a", a.url()), broker("site-b", b.url())),
                List.of(stream("events/#"))));

        MqttReplicationStatus status = awaitReady("sites");
        assertThat(status.getBrokers()).extracting(BrokerStatus::getName, BrokerStatus::getState, BrokerStatus::getAddress)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("site-a", "Connected", a.url()),
                        org.assertj.core.groups.Tuple.tuple("site-b", "Connected", b.url()));
        assertThat(status.getConnectedBrokers()).isEqualTo("2/2");
        assertThat(condition(status, Conditions.RESOLVED_REFS).getStatus()).isEqualTo("True");
        assertThat(condition(status, Conditions.BROKERS_CONNECTED).getReason()).isEqualTo(Conditions.ALL_CONNECTED);
        assertThat(status.getObservedGeneration()).isEqualTo(get("sites").getMetadata().getGeneration());

        TestMqttClient subscriber = client(b).subscribe("events/#", 1);
        TestMqttClient publisher = client(a);
        awaitFlowing(publisher, subscriber, "events/probe");
        for (int i = 0; i < 20; i++) {
            publisher.publish("events/door", "open-" + i, 1, false);
        }
        await().atMost(TIMEOUT).until(() -> subscriber.received("events/door").size() >= 20);
        assertThat(subscriber.receivedTexts("events/door")).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 20).mapToObj(i -> "open-" + i).toList());
        assertThat(events("sites")).extracting(Event::getReason).contains(KubernetesEvents.CONNECTED);
    }

    @Test
    void anInvalidResourceGetsReadyFalseWithInvalidSpecNamingTheFieldAndStartsNothing() {
        MosquittoBroker a = mosquitto();
        TopicSpec topic = stream("events/#");
        topic.setPublishTo(include("site-c"));
        MqttReplication resource = replication(namespace, "broken",
                List.of(broker("site-a", a.url()), broker("site-a", "mqtt://127.0.0.1:1")), List.of(topic));
        resource.getSpec().getTopics().add(stream("bad/#/filter"));
        create(resource);

        Condition ready = await().atMost(TIMEOUT).until(() -> condition(get("broken").getStatus(), Conditions.READY),
                condition -> condition != null);
        assertThat(ready.getStatus()).isEqualTo("False");
        assertThat(ready.getReason()).isEqualTo(Conditions.INVALID_SPEC);
        assertThat(ready.getMessage())
                .contains("spec.brokers[1].name: 'site-a' is used by another broker")
                .contains("spec.topics[0].publishTo.include: site-c is not a broker")
                .contains("spec.topics[1].filter:");
        assertThat(manager.channels(namespace + "/broken")).isEmpty();
        assertThat(a.connectionsOf("")).isZero();

        // not retried: the status and its single event stay as they are
        String transition = ready.getLastTransitionTime();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() ->
                transition.equals(condition(get("broken").getStatus(), Conditions.READY).getLastTransitionTime())
                        && events("broken").stream().filter(e -> e.getReason().equals(Conditions.INVALID_SPEC)).count() == 1);
    }

    @Test
    void changingATopicRuleKeepsEveryBrokerConnectionAndAppliesTheNewRule() {
        MosquittoBroker a = mosquitto();
        MosquittoBroker b = mosquitto();
        create(replication(namespace, "rules", List.of(broker("site-a", a.url()), broker("site-b", b.url())),
                List.of(stream("old/#"))));
        awaitReady("rules");
        Map<String, String> clientIds = clientIds("rules");
        long connectionsA = a.connectionsOf(clientIds.get("site-a"));
        long connectionsB = b.connectionsOf(clientIds.get("site-b"));
        assertThat(connectionsA).isEqualTo(1);

        MqttReplication resource = get("rules");
        resource.getSpec().getTopics().set(0, stream("new/#"));
        client.resource(resource).update();

        TestMqttClient subscriber = client(b).subscribe("#", 1);
        TestMqttClient publisher = client(a);
        awaitFlowing(publisher, subscriber, "new/probe");
        publisher.publish("old/ignored", "x", 1, false);
        publisher.publish("new/value", "y", 1, false);
        await().atMost(TIMEOUT).until(() -> subscriber.received("new/value").size() == 1);
        assertThat(subscriber.received("old/ignored")).isEmpty();
        assertThat(a.connectionsOf(clientIds.get("site-a"))).isEqualTo(connectionsA);
        assertThat(b.connectionsOf(clientIds.get("site-b"))).isEqualTo(connectionsB);
        await().atMost(TIMEOUT).until(() -> get("rules").getStatus().getObservedGeneration()
                .equals(get("rules").getMetadata().getGeneration()));
    }

    @Test
    void deletingTheResourceStopsReplicationAndClosesEveryConnection() {
        MosquittoBroker a = mosquitto();
        MosquittoBroker b = mosquitto();
        create(replication(namespace, "gone", List.of(broker("site-a", a.url()), broker("site-b", b.url())),
                List.of(stream("events/#"))));
        awaitReady("gone");
        Map<String, String> clientIds = clientIds("gone");

        client.resource(get("gone")).delete();

        await().atMost(TIMEOUT).until(() -> client.resources(MqttReplication.class).inNamespace(namespace).withName("gone").get() == null);
        assertThat(manager.channels(namespace + "/gone")).isEmpty();
        await().atMost(TIMEOUT).until(() -> a.countInLog("Client " + clientIds.get("site-a") + " disconnected") == 1
                && b.countInLog("Client " + clientIds.get("site-b") + " disconnected") == 1);
    }

    @Test
    void aMissingSecretIsReportedAndReplicationStartsWhenItAppears() {
        MosquittoBroker a = mosquitto();
        MosquittoBroker b = track(MosquittoBroker.builder().allowAnonymous(false).user("replicator", "s3cret-one").start());
        create(replication(namespace, "secured", List.of(broker("site-a", a.url()),
                brokerWithCredentials("site-b", "site-b-mqtt", b.url())), List.of(stream("events/#"))));

        Condition refs = await().atMost(TIMEOUT).until(() -> condition(get("secured").getStatus(), Conditions.RESOLVED_REFS),
                condition -> condition != null);
        assertThat(refs.getStatus()).isEqualTo("False");
        assertThat(refs.getReason()).isEqualTo(Conditions.SECRET_NOT_FOUND);
        assertThat(refs.getMessage()).isEqualTo("spec.brokers[1].credentialsSecretRef: Secret site-b-mqtt not found");
        assertThat(condition(get("secured").getStatus(), Conditions.READY).getReason()).isEqualTo(Conditions.SECRET_NOT_FOUND);

        client.resource(secret("site-b-mqtt", "replicator", "s3cret-one")).create();

        MqttReplicationStatus status = awaitReady("secured");
        assertThat(condition(status, Conditions.RESOLVED_REFS).getReason()).isEqualTo(Conditions.RESOLVED);
        assertThat(client.resources(MqttReplication.class).inNamespace(namespace).withName("secured").get().toString())
                .doesNotContain("s3cret-one");
    }

    @Test
    void aRotatedPasswordReconnectsOnlyThatBrokerAndARefusedOneIsReported() {
        MosquittoBroker a = mosquitto();
        MosquittoBroker b = track(MosquittoBroker.builder().allowAnonymous(false).user("replicator", "s3cret-one").start());
        client.resource(secret("site-b-mqtt", "replicator", "s3cret-one")).create();
        create(replication(namespace, "rotation", List.of(broker("site-a", a.url()),
                brokerWithCredentials("site-b", "site-b-mqtt", b.url())), List.of(stream("events/#"))));
        awaitReady("rotation");
        Map<String, String> clientIds = clientIds("rotation");

        client.resource(secret("site-b-mqtt", "replicator", "s3cret-two")).update();

        BrokerStatus siteB = await().atMost(TIMEOUT).until(() -> brokerStatus("rotation", "site-b"),
                broker -> broker != null && !"Connected".equals(broker.getState()) && broker.getLastError() != null);
        assertThat(siteB.getLastError()).contains("NOT_AUTHORIZED");
        assertThat(condition(get("rotation").getStatus(), Conditions.READY).getReason()).isEqualTo(Conditions.BROKERS_NOT_CONNECTED);
        assertThat(a.connectionsOf(clientIds.get("site-a"))).isEqualTo(1);
        assertThat(get("rotation").getStatus().toString() + events("rotation")).doesNotContain("s3cret");

        client.resource(secret("site-b-mqtt", "replicator", "s3cret-one")).update();
        awaitReady("rotation");
        assertThat(a.connectionsOf(clientIds.get("site-a"))).isEqualTo(1);
        assertThat(b.connectionsOf(clientIds.get("site-b"))).isEqualTo(2);
    }

    @Test
    void aBrokerThatGoesDownIsShownDisconnectedWithTheErrorAndRecovers() {
        MosquittoBroker a = mosquitto();
        MosquittoBroker b = mosquitto();
        create(replication(namespace, "outage", List.of(broker("site-a", a.url()), broker("site-b", b.url())),
                List.of(stream("events/#"))));
        awaitReady("outage");

        b.stop();

        BrokerStatus down = await().atMost(TIMEOUT).until(() -> brokerStatus("outage", "site-b"),
                broker -> broker != null && !"Connected".equals(broker.getState()) && broker.getLastError() != null);
        assertThat(down.getState()).isIn("Disconnected", "Connecting");
        MqttReplicationStatus status = get("outage").getStatus();
        assertThat(condition(status, Conditions.READY).getStatus()).isEqualTo("False");
        assertThat(condition(status, Conditions.BROKERS_CONNECTED).getMessage()).contains("site-b is");
        assertThat(status.getConnectedBrokers()).isEqualTo("1/2");
        assertThat(events("outage")).extracting(Event::getReason).contains(KubernetesEvents.DISCONNECTED);

        b.restart();
        awaitReady("outage");
    }

    @Test
    void pausingStopsTrafficAndKeepsTheResource() {
        MosquittoBroker a = mosquitto();
        MosquittoBroker b = mosquitto();
        create(replication(namespace, "pausable", List.of(broker("site-a", a.url()), broker("site-b", b.url())),
                List.of(stream("events/#"))));
        awaitReady("pausable");

        MqttReplication resource = get("pausable");
        resource.getSpec().setPaused(true);
        client.resource(resource).update();

        Condition ready = await().atMost(TIMEOUT).until(() -> condition(get("pausable").getStatus(), Conditions.READY),
                condition -> Conditions.PAUSED.equals(condition.getReason()));
        assertThat(ready.getStatus()).isEqualTo("False");
        assertThat(manager.channels(namespace + "/pausable")).isEmpty();
        assertThat(get("pausable").getStatus().getBrokers()).isEmpty();

        resource = get("pausable");
        resource.getSpec().setPaused(false);
        client.resource(resource).update();
        awaitReady("pausable");
    }

    private MosquittoBroker mosquitto() {
        return track(MosquittoBroker.start());
    }

    private <T extends AutoCloseable> T track(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    private TestMqttClient client(MosquittoBroker broker) {
        return track(TestMqttClient.connect(broker.port()));
    }

    private void create(MqttReplication resource) {
        client.resource(resource).create();
    }

    private MqttReplication get(String name) {
        return client.resources(MqttReplication.class).inNamespace(namespace).withName(name).get();
    }

    private MqttReplicationStatus awaitReady(String name) {
        return await().atMost(TIMEOUT).until(() -> get(name).getStatus(), status -> status != null
                && condition(status, Conditions.READY) != null && "True".equals(condition(status, Conditions.READY).getStatus()));
    }

    private BrokerStatus brokerStatus(String resource, String broker) {
        MqttReplicationStatus status = get(resource).getStatus();
        return status == null ? null
                : status.getBrokers().stream().filter(b -> b.getName().equals(broker)).findFirst().orElse(null);
    }

    private static Condition condition(MqttReplicationStatus status, String type) {
        return status == null ? null
                : status.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElse(null);
    }

    private List<Event> events(String resource) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(event -> resource.equals(event.getInvolvedObject().getName())).toList();
    }

    private Map<String, String> clientIds(String resource) {
        Optional<Map<String, BrokerChannel>> channels = manager.channels(namespace + "/" + resource);
        Map<String, String> ids = new java.util.HashMap<>();
        channels.orElseThrow().forEach((name, channel) -> ids.put(name, channel.settings().clientId()));
        return ids;
    }

    private Secret secret(String name, String username, String password) {
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .addToData("username", java.util.Base64.getEncoder().encodeToString(username.getBytes()))
                .addToData("password", java.util.Base64.getEncoder().encodeToString(password.getBytes()))
                .build();
    }

    private static void awaitFlowing(TestMqttClient publisher, TestMqttClient subscriber, String topic) {
        int[] probe = {0};
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> {
            publisher.publish(topic, "probe-" + probe[0]++ + "-" + UUID.randomUUID(), 1, false);
            return !subscriber.received(topic).isEmpty();
        });
    }
}
