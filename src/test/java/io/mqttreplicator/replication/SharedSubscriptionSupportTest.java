package io.mqttreplicator.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import io.mqttreplicator.testing.ArtemisBroker;
import io.mqttreplicator.testing.HiveMqBroker;
import io.mqttreplicator.testing.MoquetteBroker;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.RabbitMqBroker;
import io.mqttreplicator.testing.TestBroker;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which brokers of the interop matrix split a shared subscription ({@code $share/{group}/{filter}})
 * over MQTT 5, as a shared rule needs, checked with two MQTT 5 members of one group and 40 QoS 1
 * messages: the table of docs/scale-out.md says what this finds.
 */
class SharedSubscriptionSupportTest {

    private static final int MESSAGES = 40;
    private static final String WARM_UP = "probe/warm-up/";

    /**
     * What each broker does, as docs/scale-out.md says. HiveMQ CE gives each message to one member,
     * but unevenly: 24/16, 35/5, and once all 40 to one member, after 5 s of warm-up messages of
     * which the other got none.
     */
    private static final Map<String, List<String>> DOCUMENTED = Map.of(
            "mosquitto", List.of("splits"),
            "hivemq", List.of("splits", "one member gets all"),
            "moquette", List.of("no MQTT 5"),
            "artemis", List.of("splits"),
            "rabbitmq", List.of("no MQTT 5"));

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mosquitto", "hivemq", "moquette", "artemis", "rabbitmq"})
    void aSharedSubscriptionBehavesAsDocumented(String kind) {
        try (TestBroker broker = start(kind)) {
            String found = probe(broker.port());
            System.out.printf("Shared subscription on %s: %s%n", kind, found);
            assertThat(DOCUMENTED.get(kind)).as("documented for %s, found: %s", kind, found).anyMatch(found::startsWith);
        }
    }

    /** "splits (a/b)", "one member gets all", "every member gets all", "nothing arrives", or "no MQTT 5: why". */
    private static String probe(int port) {
        List<Mqtt5BlockingClient> members = new ArrayList<>();
        List<AtomicInteger> counts = new ArrayList<>();
        List<AtomicInteger> warmUps = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Mqtt5BlockingClient member = Mqtt5Client.builder().identifier("member-" + i).serverHost("127.0.0.1")
                        .serverPort(port).buildBlocking();
                try {
                    member.connect();
                } catch (RuntimeException e) {
                    return "no MQTT 5: " + e.getMessage();
                }
                members.add(member);
                AtomicInteger count = new AtomicInteger();
                AtomicInteger warmUp = new AtomicInteger();
                counts.add(count);
                warmUps.add(warmUp);
                member.toAsync().publishes(MqttGlobalPublishFilter.ALL, publish ->
                        (publish.getTopic().toString().startsWith(WARM_UP) ? warmUp : count).incrementAndGet());
                member.subscribeWith().topicFilter("$share/group/probe/#").qos(MqttQos.AT_LEAST_ONCE).send();
            }
            try (TestMqttClient publisher = TestMqttClient.connect(port)) {
                warmUp(publisher, warmUps);
                for (int i = 0; i < MESSAGES; i++) {
                    publisher.publish("probe/" + i, "m" + i, 1, false);
                }
            }
            await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10))
                    .until(() -> counts.get(0).get() + counts.get(1).get() >= MESSAGES);
            await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
            int first = counts.get(0).get();
            int second = counts.get(1).get();
            if (first + second == 0) {
                return "nothing arrives";
            } else if (first == MESSAGES && second == MESSAGES) {
                return "every member gets all";
            } else if (first + second == MESSAGES) {
                return first > 0 && second > 0 ? "splits (" + first + "/" + second + ")" : "one member gets all";
            }
            return "other: " + first + " and " + second + " of " + MESSAGES;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return "incomplete: " + counts.stream().map(AtomicInteger::get).toList() + " of " + MESSAGES;
        } finally {
            members.forEach(member -> {
                if (member.getState().isConnected()) {
                    member.disconnect();
                }
            });
        }
    }

    /**
     * HiveMQ CE took a member into the group a moment after its SUBACK now and then, and the first
     * messages all went to the other: until each member got a message (or 5 s passed, for a broker
     * that never splits), warm-up messages go out; they are counted apart.
     */
    private static void warmUp(TestMqttClient publisher, List<AtomicInteger> warmUps) {
        try {
            AtomicInteger sent = new AtomicInteger();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> {
                publisher.publish(WARM_UP + sent.getAndIncrement(), "w", 1, false);
                return warmUps.stream().allMatch(count -> count.get() > 0);
            });
        } catch (org.awaitility.core.ConditionTimeoutException neverSplit) {
            // the probe below says how it behaves
        }
    }

    private static TestBroker start(String kind) {
        return switch (kind) {
            case "mosquitto" -> MosquittoBroker.start();
            case "hivemq" -> HiveMqBroker.start();
            case "moquette" -> MoquetteBroker.start("/mqtt");
            case "artemis" -> ArtemisBroker.start();
            case "rabbitmq" -> RabbitMqBroker.start();
            default -> throw new IllegalArgumentException(kind);
        };
    }
}
