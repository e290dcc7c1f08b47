package io.mqttreplicator.operator;

import static io.mqttreplicator.operator.Resources.broker;
import static io.mqttreplicator.operator.Resources.brokerWithCredentials;
import static io.mqttreplicator.operator.Resources.include;
import static io.mqttreplicator.operator.Resources.replication;
import static io.mqttreplicator.operator.Resources.state;
import static io.mqttreplicator.operator.Resources.stream;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.engine.ReplicationMode;
import io.mqttreplicator.engine.TopicRule;
import io.mqttreplicator.operator.ReplicationTranslator.InvalidSpec;
import io.mqttreplicator.operator.ReplicationTranslator.Translation;
import io.mqttreplicator.operator.ReplicationTranslator.UnresolvedRefs;
import io.mqttreplicator.operator.ReplicationTranslator.Valid;
import io.mqttreplicator.operator.api.v1alpha1.CaSecretRef;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplication;
import io.mqttreplicator.operator.api.v1alpha1.TlsSpec;
import io.mqttreplicator.operator.api.v1alpha1.TopicSpec;
import io.mqttreplicator.replication.ReplicationDefinition;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplicationTranslatorTest {

    private static final Map<String, Secret> NO_SECRETS = Map.of();

    @Test
    void aValidResourceBecomesTheDefinitionTheManagerRuns() {
        TopicSpec events = stream("events/#");
        events.setName("events");
        events.setQos(2);
        events.setPublishTo(include("b"));
        TopicSpec sensors = state("sensors/#");
        sensors.setTtlSeconds(30);
        sensors.setMerge("jsonbiggest:value");
        MqttReplication resource = resource(List.of(broker("a", "mqtt://a-1:1883", "mqtt://a-2:1883"), broker("b", "wss://b/mqtt")),
                List.of(events, sensors));
        resource.getSpec().getBrokers().get(1).setProtocolVersion(5);
        resource.getSpec().getBrokers().get(1).setMaxQos(1);

        ReplicationDefinition definition = ((Valid) translate(resource, NO_SECRETS)).definition();

        assertThat(definition.name()).isEqualTo("ns/sites");
        assertThat(definition.mergeFrequencyHz()).isEqualTo(10);
        BrokerSettings a = definition.brokers().get(0);
        assertThat(a.addresses()).extracting(Object::toString).containsExactly("mqtt://a-1:1883", "mqtt://a-2:1883");
        assertThat(a.cleanSession()).as("persistent session").isFalse();
        assertThat(a.credentials()).isEmpty();
        assertThat(definition.brokers().get(1).protocolVersion()).isEqualTo(5);
        assertThat(definition.brokers().get(1).maxQos()).isEqualTo(1);
        TopicRule first = definition.rules().get(0);
        assertThat(first.id()).isEqualTo("events");
        assertThat(first.mode()).isEqualTo(ReplicationMode.STREAM);
        assertThat(first.qos()).isEqualTo(2);
        assertThat(first.publishTo().include()).containsExactly("b");
        TopicRule second = definition.rules().get(1);
        assertThat(second.id()).isEqualTo("topics-1");
        assertThat(second.ttl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(second.merge().configName()).isEqualTo("jsonbiggest:value");
    }

    @Test
    void generatedClientIdsAreStableForTheSameResourceAndDifferForAnother() {
        MqttReplication one = resource(List.of(broker("a", "mqtt://a"), broker("b", "mqtt://b")), List.of(stream("#")));
        MqttReplication again = resource(List.of(broker("a", "mqtt://a"), broker("b", "mqtt://b")), List.of(stream("x/#")));
        MqttReplication recreated = resource(List.of(broker("a", "mqtt://a"), broker("b", "mqtt://b")), List.of(stream("#")));
        recreated.getMetadata().setUid("another-uid");

        String id = clientIdOfA(one);
        assertThat(id).startsWith("a_").contains("_mqttreplicator_");
        assertThat(clientIdOfA(again)).as("a changed rule keeps the session").isEqualTo(id);
        assertThat(clientIdOfA(recreated)).as("a new resource with the same name gets a new session").isNotEqualTo(id);

        one.getSpec().getBrokers().get(0).setClientId("explicit-id");
        assertThat(clientIdOfA(one)).isEqualTo("explicit-id");
    }

    @Test
    void everyProblemOfTheSpecIsReportedWithItsField() {
        TopicSpec badFilter = stream("a/#/b");
        badFilter.setQos(3);
        badFilter.setMerge("smallest");
        badFilter.setTtlSeconds(-1);
        TopicSpec unknownBroker = stream("x/#");
        unknownBroker.setPublishTo(include("c", "d"));
        MqttReplication resource = resource(List.of(broker("Site_A", "http://a"), broker("b", "mqtt://user:pw@b:1883"),
                broker("b", "mqtt://b2")), List.of(badFilter, unknownBroker));
        resource.getSpec().getBrokers().get(2).setProtocolVersion(3);
        resource.getSpec().setMergeFrequencyHz(0);

        List<String> problems = ((InvalidSpec) translate(resource, NO_SECRETS)).problems();

        assertThat(problems).containsExactly(
                "spec.mergeFrequencyHz: must be a positive number of ticks per second, was 0.0",
                "spec.brokers[0].name: 'Site_A' is not a DNS label (lower case letters, digits and '-', at most 63)",
                "spec.brokers[0].addresses[0]: unsupported broker address 'http://a' (expected mqtt://, mqtts://, ws:// or wss://; tcp://, ssl:// and tls:// are aliases)",
                "spec.brokers[1].addresses[0]: must not contain credentials; use credentialsSecretRef",
                "spec.brokers[2].name: 'b' is used by another broker; names must be unique",
                "spec.brokers[2].protocolVersion: must be 4 (MQTT 3.1.1) or 5, was 3",
                "spec.topics[0].filter: topic filter 'a/#/b': '#' must be the last level",
                "spec.topics[0].qos: must be 0, 1 or 2, was 3",
                "spec.topics[0].ttlSeconds: must be 0 (never) or more, was -1",
                "spec.topics[0].merge: unknown merge algorithm 'smallest' (expected lastwin, biggest, random, jsonbiggest:<path> or msgpackbiggest:<path>)",
                "spec.topics[1].publishTo.include: c, d are not brokers of spec.brokers (Site_A, b)");
        assertThat(String.join("\n", problems)).doesNotContain("pw");
    }

    @Test
    void aRuleThatCannotCarryAMessageAnywhereIsInvalid() {
        TopicSpec loopOnly = stream("x/#");
        loopOnly.setSubscribeOn(include("a"));
        loopOnly.setPublishTo(include("a"));
        MqttReplication resource = resource(List.of(broker("a", "mqtt://a"), broker("b", "mqtt://b")), List.of(loopOnly));

        assertThat(((InvalidSpec) translate(resource, NO_SECRETS)).problems()).containsExactly(
                "spec.topics[0].publishTo: the only broker it may publish to, a, is the only one it is subscribed on");
    }

    @Test
    void aSharedRuleNeedsStreamModeAndMqtt5() {
        var mqtt5 = broker("a", "mqtt://a");
        mqtt5.setProtocolVersion(5);
        var mqtt311 = broker("b", "mqtt://b");

        MqttReplication onMqtt311 = resource(List.of(mqtt5, mqtt311), List.of(stream("$share/rep/x/#")));
        assertThat(((InvalidSpec) translate(onMqtt311, NO_SECRETS)).problems()).containsExactly(
                "spec.topics[0].filter: a shared subscription needs MQTT 5 (protocolVersion 5) on every broker it"
                        + " subscribes on, to mark forwarded messages with their origin: b uses MQTT 3.1.1");

        MqttReplication stateRule = resource(List.of(mqtt5, mqtt5Broker("b")), List.of(state("$share/rep/x/#")));
        assertThat(((InvalidSpec) translate(stateRule, NO_SECRETS)).problems()).singleElement().asString()
                .startsWith("spec.topics[0].filter: a shared subscription needs stream mode");

        MqttReplication valid = resource(List.of(mqtt5, mqtt5Broker("b")), List.of(stream("$share/rep/x/#")));
        assertThat(((Valid) translate(valid, NO_SECRETS)).definition().rules().get(0).filter()).isEqualTo("$share/rep/x/#");
    }

    @Test
    void theLeaseHolderRunsAllButTheSharedRulesWhichEveryReplicaRunsInSessionsOfItsOwn() {
        MqttReplication resource = resource(List.of(mqtt5Broker("a"), mqtt5Broker("b")),
                List.of(stream("$share/rep/events/#"), state("sensors/#")));
        ReplicationDefinition definition = ((Valid) translate(resource, NO_SECRETS)).definition();

        ReplicationDefinition holder = ReplicationTranslator.withoutSharedRules(definition);
        ReplicationDefinition first = ReplicationTranslator.sharedPart(definition, "operator-0").orElseThrow();
        ReplicationDefinition second = ReplicationTranslator.sharedPart(definition, "operator-1").orElseThrow();

        assertThat(holder.name()).isEqualTo("ns/sites");
        assertThat(holder.rules()).extracting(TopicRule::filter).containsExactly("sensors/#");
        assertThat(holder.brokers()).isEqualTo(definition.brokers());
        assertThat(first.name()).isEqualTo("ns/sites/shared");
        assertThat(first.rules()).extracting(TopicRule::filter).containsExactly("$share/rep/events/#");
        assertThat(List.of(holder.origin(), first.origin(), second.origin())).as("one origin mark, so each drops the others' forwards")
                .containsOnly(definition.origin());
        List<String> ids = new java.util.ArrayList<>();
        for (ReplicationDefinition part : List.of(holder, first, second)) {
            part.brokers().forEach(broker -> ids.add(broker.clientId()));
        }
        assertThat(ids).as("a session per broker, part and replica").doesNotHaveDuplicates().hasSize(6);
        assertThat(ReplicationTranslator.sharedPart(definition, "operator-0").orElseThrow())
                .as("the same after the replica restarts").isEqualTo(first);
        assertThat(first.brokers()).allMatch(broker -> !broker.cleanSession());

        ReplicationDefinition withoutShared = ((Valid) translate(resource(List.of(mqtt5Broker("a"), mqtt5Broker("b")),
                List.of(state("sensors/#"))), NO_SECRETS)).definition();
        assertThat(ReplicationTranslator.sharedPart(withoutShared, "operator-0")).isEmpty();
        assertThat(ReplicationTranslator.withoutSharedRules(withoutShared)).isEqualTo(withoutShared);
    }

    private static io.mqttreplicator.operator.api.v1alpha1.BrokerSpec mqtt5Broker(String name) {
        var broker = broker(name, "mqtt://" + name);
        broker.setProtocolVersion(5);
        return broker;
    }

    @Test
    void credentialsAndCaComeFromSecretsAndMissingOnesAreNamed() {
        MqttReplication resource = resource(List.of(brokerWithCredentials("a", "a-login", "mqtts://a:8883"), broker("b", "mqtt://b")),
                List.of(stream("#")));
        CaSecretRef ca = new CaSecretRef();
        ca.setName("a-ca");
        TlsSpec tls = new TlsSpec();
        tls.setCaSecretRef(ca);
        resource.getSpec().getBrokers().get(0).setTls(tls);

        Translation missing = translate(resource, Map.of("a-login", secret("a-login", Map.of("username", "rep"))));
        assertThat(missing).isInstanceOf(UnresolvedRefs.class);
        assertThat(((UnresolvedRefs) missing).secretMissing()).isTrue();
        assertThat(((UnresolvedRefs) missing).problems()).containsExactly(
                "spec.brokers[0].credentialsSecretRef: Secret a-login has no key password",
                "spec.brokers[0].tls.caSecretRef: Secret a-ca not found");

        BrokerSettings a = ((Valid) translate(resource, Map.of(
                "a-login", secret("a-login", Map.of("username", "rep", "password", "pa55")),
                "a-ca", secret("a-ca", Map.of("ca.crt", "-----BEGIN CERTIFICATE-----"))))).definition().brokers().get(0);
        assertThat(a.credentials()).hasValueSatisfying(credentials -> {
            assertThat(credentials.username()).isEqualTo("rep");
            assertThat(credentials.password()).isEqualTo("pa55");
        });
        assertThat(a.tls().caPem()).contains("-----BEGIN CERTIFICATE-----");
        assertThat(a.tls().verifyServer()).isTrue();
    }

    private static String clientIdOfA(MqttReplication resource) {
        return ((Valid) translate(resource, NO_SECRETS)).definition().brokers().get(0).clientId();
    }

    private static MqttReplication resource(List<io.mqttreplicator.operator.api.v1alpha1.BrokerSpec> brokers, List<TopicSpec> topics) {
        MqttReplication resource = replication("ns", "sites", brokers, topics);
        resource.getMetadata().setUid("uid-1");
        return resource;
    }

    private static Translation translate(MqttReplication resource, Map<String, Secret> secrets) {
        return ReplicationTranslator.translate(resource, name -> Optional.ofNullable(secrets.get(name)));
    }

    private static Secret secret(String name, Map<String, String> values) {
        SecretBuilder builder = new SecretBuilder().withNewMetadata().withName(name).endMetadata();
        values.forEach((key, value) -> builder.addToData(key,
                Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
        return builder.build();
    }
}
