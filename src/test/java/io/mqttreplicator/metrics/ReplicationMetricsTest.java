package io.mqttreplicator.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.health.BrokerConnectionsHealth;
import io.mqttreplicator.engine.Rules;
import io.mqttreplicator.replication.ReplicationDefinition;
import io.mqttreplicator.replication.ReplicationManager;
import io.mqttreplicator.testing.Definitions;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.PrometheusScrape;
import io.mqttreplicator.testing.TestMqttClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The metrics and health endpoints of the running service, with the CDI replication manager (as
 * both front ends use it) between real Mosquitto brokers, read over HTTP as Prometheus and
 * Kubernetes would.
 */
@QuarkusTest
class ReplicationMetricsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final int MESSAGES = 25;

    @Inject
    ReplicationManager manager;

    @TestHTTPResource("/")
    URL root;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<String> replications = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        replications.forEach(manager::remove);
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
    }

    @Test
    void countsWhatWasReplicatedFollowsTheBrokersAndForgetsRemovedBrokersRulesAndReplications() throws Exception {
        MosquittoBroker a = mosquitto("metrics-a");
        MosquittoBroker b = mosquitto("metrics-b");
        String name = apply(new ReplicationDefinition("metrics", 10,
                List.of(Definitions.broker("a", a.url()), Definitions.broker("b", b.url())),
                List.of(Rules.stream("probe", "probe/#").build(),
                        Rules.stream("events", "events/#").build(),
                        Rules.state("sensors", "sensors/#").build())));
        TestMqttClient onA = client(a);
        TestMqttClient onB = client(b).subscribe("events/#", 1).subscribe("sensors/#", 1);
        awaitFlowing(onA, client(b).subscribe("probe/#", 1));

        for (int i = 0; i < MESSAGES; i++) {
            onA.publish("events/door", "open-" + i, 1, false);
        }
        onA.publish("sensors/1", "20.5", 1, false);
        onA.publish("sensors/2", "21.0", 1, false);
        await().atMost(TIMEOUT).until(() -> onB.received("events/door").size() == MESSAGES && onB.received().size() == MESSAGES + 2);

        Map<String, String> eventsFromA = Map.of("replication", name, "broker", "a", "rule", "events");
        Map<String, String> eventsToB = Map.of("replication", name, "broker", "b", "rule", "events");
        await().atMost(TIMEOUT).untilAsserted(() -> {
            PrometheusScrape scrape = scrape();
            assertThat(scrape.value("mqttrep_messages_received_total", eventsFromA)).hasValue(MESSAGES);
            assertThat(scrape.value("mqttrep_messages_forwarded_total", eventsToB)).hasValue(MESSAGES);
            // the replicator's own publishes come back on b (MQTT 3.1.1 has no No Local) and are dropped
            assertThat(scrape.value("mqttrep_messages_received_total", eventsToB)).hasValue(MESSAGES);
            assertThat(scrape.value("mqttrep_messages_dropped_total", with(eventsToB, "reason", "echo"))).hasValue(MESSAGES);
            assertThat(scrape.value("mqttrep_messages_forwarded_total",
                    Map.of("replication", name, "broker", "b", "rule", "sensors"))).hasValue(2);
            assertThat(scrape.value("mqttrep_cached_topics", Map.of("replication", name, "rule", "sensors"))).hasValue(2);
            assertThat(scrape.value("mqttrep_in_flight", Map.of("replication", name, "broker", "a"))).hasValue(0);
            assertThat(scrape.value("mqttrep_forward_latency_seconds_count", Map.of("replication", name)))
                    .hasValue(MESSAGES + probes(scrape, name));
            assertThat(scrape.value("mqttrep_merge_tick_seconds_count", Map.of("replication", name)).orElseThrow()).isPositive();
            assertThat(scrape.find("mqttrep_forward_latency_seconds_bucket", Map.of("replication", name))).isNotEmpty();
        });
        PrometheusScrape scrape = scrape();
        assertThat(scrape.value("mqttrep_broker_connected", Map.of("replication", name, "broker", "a"))).hasValue(1);
        assertThat(scrape.value("mqttrep_broker_connected", Map.of("replication", name, "broker", "b"))).hasValue(1);
        assertThat(get("/q/health/group/brokers").statusCode()).isEqualTo(200);

        b.stop();

        await().atMost(TIMEOUT).untilAsserted(() ->
                assertThat(scrape().value("mqttrep_broker_connected", Map.of("replication", name, "broker", "b"))).hasValue(0));
        assertThat(scrape().value("mqttrep_broker_connected", Map.of("replication", name, "broker", "a"))).hasValue(1);
        HttpResponse<String> brokers = get("/q/health/group/brokers");
        assertThat(brokers.statusCode()).isEqualTo(503);
        assertThat(brokers.body()).contains("\"status\": \"DOWN\"").contains("\"metrics/b\": \"Disconnected at " + b.url())
                .doesNotContain("metrics/a");
        HttpResponse<String> live = get("/q/health/live");
        assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
        HttpResponse<String> ready = get("/q/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(ready.body()).doesNotContain(BrokerConnectionsHealth.NAME);
        assertThat(get("/q/health").body()).doesNotContain(BrokerConnectionsHealth.NAME);

        manager.apply(new ReplicationDefinition(name, 10, List.of(Definitions.broker("a", a.url())),
                List.of(Rules.stream("probe", "probe/#").build(), Rules.stream("events", "events/#").build())));

        List<PrometheusScrape.Sample> ofReplication = scrape().find("mqttrep_messages_received_total", Map.of("replication", name));
        assertThat(ofReplication).extracting(sample -> sample.labels().get("broker")).containsOnly("a");
        assertThat(scrape().samples()).filteredOn(sample -> name.equals(sample.labels().get("replication")))
                .noneMatch(sample -> "b".equals(sample.labels().get("broker")) || "sensors".equals(sample.labels().get("rule")));
        assertThat(get("/q/health/group/brokers").statusCode()).as("the stopped broker is no longer part of it").isEqualTo(200);

        manager.remove(name);

        assertThat(scrape().samples()).noneMatch(sample -> name.equals(sample.labels().get("replication")));
        assertThat(get("/q/health/group/brokers").body()).doesNotContain("metrics/b");
    }

    @Test
    void theBrokersGroupNamesARefusedBrokerWithoutItsPassword() throws Exception {
        String password = "wrong-s3cret-passw0rd";
        MosquittoBroker secured = MosquittoBroker.builder().name("metrics-secured").allowAnonymous(false).user("alice", "right").start();
        closeables.add(secured);
        MosquittoBroker open = mosquitto("metrics-open");
        BrokerSettings template = Definitions.broker("secured", secured.url());
        BrokerSettings withCredentials = new BrokerSettings(template.name(), template.addresses(), template.roundRobin(),
                template.protocolVersion(), template.maxQos(), template.clientId(), template.cleanSession(), template.keepAlive(),
                template.reconnectDelay(), template.connectTimeout(), Optional.of(new BrokerSettings.Credentials("alice", password)),
                template.tls());
        String name = apply(new ReplicationDefinition("refused", 1,
                List.of(withCredentials, Definitions.broker("open", open.url())), List.of(Rules.stream("all", "all/#").build())));

        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(get("/q/health/group/brokers").body()).contains("\"refused/secured\": \"Failed"));
        HttpResponse<String> brokers = get("/q/health/group/brokers");
        assertThat(brokers.statusCode()).isEqualTo(503);
        assertThat(brokers.body()).contains("NOT_AUTHORIZED", "\"connected\": \"1/2\"").doesNotContain(password);
        assertThat(scrape().value("mqttrep_broker_connected", Map.of("replication", name, "broker", "secured"))).hasValue(0);
        assertThat(get("/q/health/live").statusCode()).isEqualTo(200);
    }

    /** Publishes probes on {@code publisher} until one arrives at {@code receiver}: the subscriptions are in place. */
    private static void awaitFlowing(TestMqttClient publisher, TestMqttClient receiver) {
        int[] probe = {0};
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> {
            publisher.publish("probe/x", "probe-" + probe[0]++, 1, false);
            return !receiver.received("probe/x").isEmpty();
        });
    }

    private static double probes(PrometheusScrape scrape, String replication) {
        return scrape.value("mqttrep_messages_received_total", Map.of("replication", replication, "broker", "a", "rule", "probe"))
                .orElse(0);
    }

    private static Map<String, String> with(Map<String, String> labels, String key, String value) {
        Map<String, String> result = new HashMap<>(labels);
        result.put(key, value);
        return result;
    }

    private String apply(ReplicationDefinition definition) {
        replications.add(definition.name());
        manager.apply(definition);
        return definition.name();
    }

    private MosquittoBroker mosquitto(String name) {
        MosquittoBroker broker = MosquittoBroker.builder().name(name).start();
        closeables.add(broker);
        return broker;
    }

    private TestMqttClient client(MosquittoBroker broker) {
        TestMqttClient client = TestMqttClient.connect(broker.port());
        closeables.add(0, client);
        return client;
    }

    private PrometheusScrape scrape() throws IOException, InterruptedException {
        HttpResponse<String> response = get("/q/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        return PrometheusScrape.parse(response.body());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(root.toString()).resolve(path)).build(), BodyHandlers.ofString());
    }
}
