package io.mqttreplicator.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The CRD users install (k8s/01-crd.yaml, kept equal to the generated one by
 * {@link CustomResourceDefinitionCopyIT}): what the API server will enforce. The test API server
 * enforces none of it, so the schema, its patterns and its CEL rules are checked here.
 */
class CustomResourceDefinitionTest {

    static final Path COPY = Path.of("k8s", "01-crd.yaml");

    private final CustomResourceDefinitionVersion version = load().getSpec().getVersions().get(0);
    private final JSONSchemaProps spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    private final JSONSchemaProps broker = spec.getProperties().get("brokers").getItems().getSchema();
    private final JSONSchemaProps topic = spec.getProperties().get("topics").getItems().getSchema();

    @Test
    void namesKindGroupVersionAndShortName() {
        CustomResourceDefinition crd = load();
        assertThat(crd.getMetadata().getName()).isEqualTo("mqttreplications.mqttreplicator.io");
        assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
        assertThat(crd.getSpec().getNames().getKind()).isEqualTo("MqttReplication");
        assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("mqrep");
        assertThat(version.getName()).isEqualTo("v1alpha1");
        assertThat(version.getSubresources().getStatus()).as("status subresource").isNotNull();
    }

    @Test
    void everyFieldHasADescriptionForKubectlExplain() {
        List<String> undescribed = new ArrayList<>();
        collectUndescribed("spec", spec, undescribed);
        collectUndescribed("status", version.getSchema().getOpenAPIV3Schema().getProperties().get("status"), undescribed);
        assertThat(undescribed).isEmpty();
    }

    @Test
    void requiresBrokersTopicsAndTheirEssentialFields() {
        assertThat(spec.getRequired()).containsExactlyInAnyOrder("brokers", "topics");
        assertThat(broker.getRequired()).containsExactlyInAnyOrder("name", "addresses");
        assertThat(topic.getRequired()).containsExactly("filter");
        assertThat(spec.getProperties().get("brokers").getMinItems()).isEqualTo(2L);
        assertThat(spec.getProperties().get("topics").getMinItems()).isEqualTo(1L);
        assertThat(broker.getProperties().get("credentialsSecretRef").getRequired()).containsExactly("name");
    }

    @Test
    void boundsEnumsAndDefaults() {
        assertThat(topic.getProperties().get("qos").getMinimum()).isEqualTo(0.0);
        assertThat(topic.getProperties().get("qos").getMaximum()).isEqualTo(2.0);
        assertThat(broker.getProperties().get("maxQos").getMaximum()).isEqualTo(2.0);
        assertThat(broker.getProperties().get("protocolVersion").getMinimum()).isEqualTo(4.0);
        assertThat(broker.getProperties().get("protocolVersion").getMaximum()).isEqualTo(5.0);
        assertThat(topic.getProperties().get("ttlSeconds").getMinimum()).isEqualTo(0.0);
        assertThat(spec.getProperties().get("mergeFrequencyHz").getExclusiveMinimum()).isTrue();
        assertThat(topic.getProperties().get("mode").getEnum()).extracting(node -> node.asText())
                .containsExactly("state", "stream");
        assertThat(defaultOf(topic, "mode")).isEqualTo("\"state\"");
        assertThat(defaultOf(topic, "qos")).isEqualTo("1");
        assertThat(defaultOf(topic, "merge")).isEqualTo("\"lastwin\"");
        assertThat(defaultOf(broker, "protocolVersion")).isEqualTo("4");
        assertThat(defaultOf(broker, "roundRobin")).isEqualTo("false");
        assertThat(defaultOf(spec, "mergeFrequencyHz")).isEqualTo("1.0");
        assertThat(defaultOf(spec, "paused")).isEqualTo("false");
    }

    @Test
    void brokerNamesAreDnsLabels() {
        Pattern name = pattern(broker.getProperties().get("name"));
        assertThat(List.of("site-a", "a", "edge-01")).allMatch(text -> name.matcher(text).matches());
        assertThat(List.of("Site-A", "site_a", "-a", "a-", "")).noneMatch(text -> name.matcher(text).matches());
        assertThat(broker.getProperties().get("name").getMaxLength()).isEqualTo(63L);
    }

    @Test
    void addressesAreBrokerUrlsWithoutCredentials() {
        Pattern address = pattern(broker.getProperties().get("addresses").getItems().getSchema());
        assertThat(List.of("mqtt://a:1883", "mqtts://broker.example.com:8883", "ws://a:8080/mqtt", "wss://a/mqtt", "tcp://a"))
                .allMatch(text -> address.matcher(text).matches());
        assertThat(List.of("http://a", "mqtt://user:pw@a:1883", "mqtt://", "a:1883"))
                .noneMatch(text -> address.matcher(text).matches());
    }

    @Test
    void topicFiltersAndMergeAlgorithmsFollowTheirGrammar() {
        Pattern filter = pattern(topic.getProperties().get("filter"));
        assertThat(List.of("#", "sensors/#", "a/+/b", "+", "a/b/c", "+/+/#"))
                .allMatch(text -> filter.matcher(text).matches());
        assertThat(List.of("a/#/b", "a+", "a/b#", "#/a")).noneMatch(text -> filter.matcher(text).matches());
        Pattern merge = pattern(topic.getProperties().get("merge"));
        assertThat(List.of("lastwin", "biggest", "random", "jsonbiggest:a.b", "msgpackbiggest:value"))
                .allMatch(text -> merge.matcher(text).matches());
        assertThat(List.of("smallest", "jsonbiggest", "jsonbiggest:")).noneMatch(text -> merge.matcher(text).matches());
    }

    @Test
    void printerColumnsShowReadyReasonBrokersAndAge() {
        assertThat(version.getAdditionalPrinterColumns()).extracting(CustomResourceColumnDefinition::getName)
                .containsExactlyInAnyOrder("Ready", "Reason", "Brokers", "Age");
        assertThat(column("Ready").getJsonPath()).isEqualTo(".status.conditions[?(@.type==\"Ready\")].status");
        assertThat(column("Reason").getJsonPath()).isEqualTo(".status.conditions[?(@.type=='Ready')].reason");
        assertThat(column("Brokers").getJsonPath()).isEqualTo(".status.connectedBrokers");
        assertThat(column("Age").getType()).isEqualTo("date");
    }

    @Test
    void celRulesRejectDuplicateBrokerNames() throws Exception {
        Map<String, Object> valid = spec(List.of(broker("a"), broker("b")), List.of(topic(null, null, null)));
        Map<String, Object> duplicate = spec(List.of(broker("a"), broker("a")), List.of(topic(null, null, null)));
        assertThat(failedRules(valid)).isEmpty();
        assertThat(failedRules(duplicate)).containsExactly("broker names must be unique");
    }

    @Test
    void celRulesRejectListsNamingUnknownBrokers() throws Exception {
        Map<String, Object> known = spec(List.of(broker("a"), broker("b")),
                List.of(topic(null, Map.of("include", List.of("a")), Map.of("exclude", List.of("b")))));
        Map<String, Object> unknownSubscriber = spec(List.of(broker("a"), broker("b")),
                List.of(topic(null, Map.of("include", List.of("c")), null)));
        Map<String, Object> unknownTarget = spec(List.of(broker("a"), broker("b")),
                List.of(topic(null, null, Map.of("exclude", List.of("a", "z")))));
        assertThat(failedRules(known)).isEmpty();
        assertThat(failedRules(unknownSubscriber)).containsExactly("topics[].subscribeOn may only name brokers of spec.brokers");
        assertThat(failedRules(unknownTarget)).containsExactly("topics[].publishTo may only name brokers of spec.brokers");
    }

    @Test
    void celRulesRejectDuplicateTopicNames() throws Exception {
        Map<String, Object> unnamed = spec(List.of(broker("a"), broker("b")), List.of(topic(null, null, null), topic(null, null, null)));
        Map<String, Object> duplicate = spec(List.of(broker("a"), broker("b")), List.of(topic("x", null, null), topic("x", null, null)));
        assertThat(failedRules(unnamed)).isEmpty();
        assertThat(failedRules(duplicate)).containsExactly("topic rule names must be unique");
    }

    private List<String> failedRules(Map<String, Object> specObject) throws Exception {
        assertThat(spec.getXKubernetesValidations()).hasSize(4);
        return failedCelRules(specObject);
    }

    /**
     * The messages of the CRD's CEL rules on spec that evaluate to false for this spec (a map as
     * the API server sees it: whole numbers as Long).
     */
    static List<String> failedCelRules(Map<String, Object> specObject) throws Exception {
        CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS).addVar("self", SimpleType.DYN).build();
        CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder().build();
        List<String> failed = new ArrayList<>();
        JSONSchemaProps spec = load().getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties().get("spec");
        for (ValidationRule rule : spec.getXKubernetesValidations()) {
            var program = runtime.createProgram(compiler.compile(rule.getRule()).getAst());
            if (!Boolean.TRUE.equals(program.eval(Map.of("self", specObject)))) {
                failed.add(rule.getMessage());
            }
        }
        return failed;
    }

    private static Map<String, Object> spec(List<Map<String, Object>> brokers, List<Map<String, Object>> topics) {
        return Map.of("brokers", brokers, "topics", topics);
    }

    private static Map<String, Object> broker(String name) {
        return Map.of("name", name, "addresses", List.of("mqtt://" + name + ":1883"));
    }

    private static Map<String, Object> topic(String name, Map<String, Object> subscribeOn, Map<String, Object> publishTo) {
        Map<String, Object> topic = new java.util.HashMap<>(Map.of("filter", "t/#"));
        if (name != null) {
            topic.put("name", name);
        }
        if (subscribeOn != null) {
            topic.put("subscribeOn", subscribeOn);
        }
        if (publishTo != null) {
            topic.put("publishTo", publishTo);
        }
        return topic;
    }

    private CustomResourceColumnDefinition column(String name) {
        return version.getAdditionalPrinterColumns().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    private static String defaultOf(JSONSchemaProps object, String property) {
        return object.getProperties().get(property).getDefault().toString();
    }

    private static Pattern pattern(JSONSchemaProps property) {
        return Pattern.compile(property.getPattern());
    }

    private static void collectUndescribed(String path, JSONSchemaProps schema, List<String> undescribed) {
        if (schema.getProperties() != null) {
            schema.getProperties().forEach((name, property) -> {
                if (property.getDescription() == null || property.getDescription().isBlank()) {
                    undescribed.add(path + "." + name);
                }
                collectUndescribed(path + "." + name, property, undescribed);
            });
        }
        if (schema.getItems() != null && schema.getItems().getSchema() != null) {
            collectUndescribed(path + "[]", schema.getItems().getSchema(), undescribed);
        }
    }

    private static CustomResourceDefinition load() {
        try {
            return Serialization.unmarshal(Files.readString(COPY), CustomResourceDefinition.class);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
