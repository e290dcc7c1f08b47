package io.mqttreplicator.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.broker.BrokerSettings.Credentials;
import io.mqttreplicator.engine.BrokerSelection;
import io.mqttreplicator.engine.ReplicationMode;
import io.mqttreplicator.engine.TopicRule;
import io.mqttreplicator.replication.ReplicationDefinition;
import io.mqttreplicator.standalone.MqttrepEnvironment.Invalid;
import io.mqttreplicator.standalone.MqttrepEnvironment.Result;
import io.mqttreplicator.standalone.MqttrepEnvironment.Valid;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MqttrepEnvironmentTest {

    static final String CA = "-----BEGIN CERTIFICATE-----\\nMIIBca\\n-----END CERTIFICATE-----";
    static final String CERT = "-----BEGIN CERTIFICATE-----\\nMIIBcert\\n-----END CERTIFICATE-----";
    static final String KEY = "-----BEGIN PRIVATE KEY-----\\nMIIkeysecret\\n-----END PRIVATE KEY-----";

    /** Two brokers and one topic: the smallest valid configuration, to which each test adds. */
    static Map<String, String> minimal(String... more) {
        Map<String, String> environment = new HashMap<>(Map.of(
                "MQTTREP_CLIENT_A", "mqtt://a:1883",
                "MQTTREP_CLIENT_B", "mqtt://b:1883",
                "MQTTREP_TOPIC_t", "sensors/#",
                "PATH", "/usr/bin",
                "HOME", "/root"));
        for (int i = 0; i < more.length; i += 2) {
            environment.put(more[i], more[i + 1]);
        }
        return environment;
    }

    static ReplicationDefinition valid(Map<String, String> environment) {
        Result result = MqttrepEnvironment.parse(environment);
        assertThat(result).isInstanceOf(Valid.class);
        return ((Valid) result).definition();
    }

    static List<String> warnings(Map<String, String> environment) {
        Result result = MqttrepEnvironment.parse(environment);
        assertThat(result).isInstanceOf(Valid.class);
        return result.warnings();
    }

    static List<String> problems(Map<String, String> environment) {
        Result result = MqttrepEnvironment.parse(environment);
        assertThat(result).isInstanceOf(Invalid.class);
        return ((Invalid) result).problems();
    }

    static BrokerSettings broker(ReplicationDefinition definition, String name) {
        return definition.brokers().stream().filter(b -> b.name().equals(name)).findFirst().orElseThrow();
    }

    static TopicRule rule(ReplicationDefinition definition, String id) {
        return definition.rules().stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void readsAFullConfigurationWithEveryVariable() {
        Map<String, String> environment = new HashMap<>();
        environment.put("MQTTREP_CLIENT_Oslo", "tcp://oslo-1:1883, ssl://oslo-2");
        environment.put("MQTTREP_CONFIG_Oslo", """
                {"username":"root","password":"hunter2","clientId":"oslo-replicator","clean":true,"keepalive":30,
                 "reconnectPeriod":2000,"connectTimeout":5000,"rejectUnauthorized":true,
                 "ca":["%s","%s"],"cert":"%s","key":"%s","protocolVersion":5,
                 "servers":[{"host":"oslo-3","port":8884,"protocol":"mqtts"},{"host":"oslo-4"}],
                 "maxQos":1,"roundRobin":true}""".formatted(CA, CA, CERT, KEY));
        environment.put("MQTTREP_CLIENT_paris", "wss://paris.example:8443/mqtt");
        environment.put("MQTTREP_CLIENT_quebec", "mqtts://quebec");
        environment.put("MQTTREP_TOPIC_a", "canards/+");
        environment.put("MQTTREP_TTL_a", "1200");
        environment.put("MQTTREP_RETAIN_a", "TRUE");
        environment.put("MQTTREP_QOS_a", "2");
        environment.put("MQTTREP_NOSUB_a", "no");
        environment.put("MQTTREP_MERGE_a", "jsonbiggest:value.time");
        environment.put("MQTTREP_MODE_a", "state");
        environment.put("MQTTREP_SUBSCRIBE_WHITELIST_a", "Oslo, paris,");
        environment.put("MQTTREP_SUBSCRIBE_BLACKLIST_a", "quebec");
        environment.put("MQTTREP_PUBLISH_WHITELIST_a", "Oslo,paris,quebec");
        environment.put("MQTTREP_PUBLISH_BLACKLIST_a", "paris");
        environment.put("MQTTREP_PULISH_BLACKLIST_a", "quebec");
        environment.put("MQTTREP_TOPIC_b", "logs/#");
        environment.put("MQTTREP_MODE_b", "Stream");
        environment.put("MQTTREP_QOS_b", "0");
        environment.put("MQTTREP_MERGE_FREQUENCY", "16.666");

        Result result = MqttrepEnvironment.parse(environment);

        assertThat(result.warnings()).isEmpty();
        ReplicationDefinition definition = ((Valid) result).definition();
        assertThat(definition.name()).isEqualTo("standalone");
        assertThat(definition.mergeFrequencyHz()).isEqualTo(16.666);
        assertThat(definition.brokers()).extracting(BrokerSettings::name).containsExactly("Oslo", "paris", "quebec");

        BrokerSettings oslo = broker(definition, "Oslo");
        assertThat(oslo.addresses()).containsExactly(URI.create("mqtt://oslo-1:1883"), URI.create("mqtts://oslo-2:8883"),
                URI.create("mqtts://oslo-3:8884"), URI.create("mqtt://oslo-4:1883"));
        assertThat(oslo.clientId()).isEqualTo("oslo-replicator");
        assertThat(oslo.cleanSession()).isTrue();
        assertThat(oslo.keepAlive()).isEqualTo(Duration.ofSeconds(30));
        assertThat(oslo.reconnectDelay()).isEqualTo(Duration.ofMillis(2000));
        assertThat(oslo.connectTimeout()).isEqualTo(Duration.ofMillis(5000));
        assertThat(oslo.protocolVersion()).isEqualTo(5);
        assertThat(oslo.maxQos()).isEqualTo(1);
        assertThat(oslo.roundRobin()).isTrue();
        assertThat(oslo.credentials()).contains(new Credentials("root", "hunter2"));
        assertThat(oslo.tls().verifyServer()).isTrue();
        String ca = CA.replace("\\n", "\n");
        assertThat(oslo.tls().caPem()).contains(ca + "\n" + ca + "\n");
        assertThat(oslo.tls().clientCertificatePem()).contains(CERT.replace("\\n", "\n"));
        assertThat(oslo.tls().clientKeyPem()).contains(KEY.replace("\\n", "\n"));

        BrokerSettings paris = broker(definition, "paris");
        assertThat(paris.addresses()).containsExactly(URI.create("wss://paris.example:8443/mqtt"));
        assertThat(paris.clientId()).matches("paris_[a-z]+_[a-z]+_[a-z]+_mqttreplicator_[a-z0-9]{10}");
        assertThat(paris.cleanSession()).isFalse();
        assertThat(paris.keepAlive()).isEqualTo(Duration.ofSeconds(60));
        assertThat(paris.reconnectDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(paris.connectTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(paris.protocolVersion()).isEqualTo(4);
        assertThat(paris.maxQos()).isEqualTo(2);
        assertThat(paris.roundRobin()).isFalse();
        assertThat(paris.credentials()).isEmpty();
        assertThat(paris.tls()).isEqualTo(BrokerSettings.TlsSettings.DEFAULT);

        assertThat(definition.rules()).extracting(TopicRule::id).containsExactly("a", "b");
        TopicRule a = rule(definition, "a");
        assertThat(a.filter()).isEqualTo("canards/+");
        assertThat(a.mode()).isEqualTo(ReplicationMode.STATE);
        assertThat(a.qos()).isEqualTo(2);
        assertThat(a.retain()).isTrue();
        assertThat(a.ttl()).isEqualTo(Duration.ofSeconds(1200));
        assertThat(a.noSubscribe()).isFalse();
        assertThat(a.merge().configName()).isEqualTo("jsonbiggest:value.time");
        assertThat(a.subscribeOn()).isEqualTo(new BrokerSelection(Set.of("Oslo", "paris"), Set.of("quebec")));
        assertThat(a.publishTo()).isEqualTo(new BrokerSelection(Set.of("Oslo", "paris", "quebec"), Set.of("paris", "quebec")));
        TopicRule b = rule(definition, "b");
        assertThat(b.mode()).isEqualTo(ReplicationMode.STREAM);
        assertThat(b.qos()).isZero();
        assertThat(b.retain()).isFalse();
        assertThat(b.ttl()).isZero();
        assertThat(b.merge().configName()).isEqualTo("lastwin");
        assertThat(b.subscribeOn()).isEqualTo(BrokerSelection.ALL);
        assertThat(b.publishTo()).isEqualTo(BrokerSelection.ALL);
    }

    @Test
    void readsTheExamplesOfTheMqttReplicatorReadme() {
        ReplicationDefinition definition = valid(Map.ofEntries(
                Map.entry("MQTTREP_CLIENT_BROKEROSLO", "mqtt://messagebroker:1883"),
                Map.entry("MQTTREP_CLIENT_BROKERPARIS", "wss://messagebroker/"),
                Map.entry("MQTTREP_CLIENT_BROKERQUEBEC", "mqtt://quebec:1883"),
                Map.entry("MQTTREP_CONFIG_BROKEROSLO", "{\"username\":\"root\", \"password\":\"hunter2\", \"maxQos\": 1}"),
                Map.entry("MQTTREP_TOPIC_A", "canards/+"),
                Map.entry("MQTTREP_TOPIC_B", "canards/name"),
                Map.entry("MQTTREP_TTL_A", "1200"),
                Map.entry("MQTTREP_QOS_A", "2"),
                Map.entry("MQTTREP_NOSUB_B", "true"),
                Map.entry("MQTTREP_RETAIN_B", "true"),
                Map.entry("MQTTREP_SUBSCRIBE_WHITELIST_B", "BROKEROSLO,BROKERPARIS"),
                Map.entry("MQTTREP_SUBSCRIBE_BLACKLIST_B", "BROKERQUEBEC"),
                Map.entry("MQTTREP_PUBLISH_WHITELIST_B", "BROKEROSLO,BROKERPARIS"),
                Map.entry("MQTTREP_PULISH_BLACKLIST_B", "BROKERQUEBEC"),
                Map.entry("MQTTREP_MERGE_FREQUENCY", "16.666")));

        assertThat(definition.mergeFrequencyHz()).isEqualTo(16.666);
        BrokerSettings oslo = broker(definition, "BROKEROSLO");
        assertThat(oslo.credentials()).contains(new Credentials("root", "hunter2"));
        assertThat(oslo.maxQos()).isEqualTo(1);
        assertThat(oslo.clientId()).matches("brokeroslo_[a-z]+_[a-z]+_[a-z]+_mqttreplicator_[a-z0-9]{10}");
        assertThat(broker(definition, "BROKERPARIS").addresses()).containsExactly(URI.create("wss://messagebroker:443/"));
        assertThat(rule(definition, "A").ttl()).isEqualTo(Duration.ofSeconds(1200));
        assertThat(rule(definition, "A").qos()).isEqualTo(2);
        TopicRule b = rule(definition, "B");
        assertThat(b.noSubscribe()).isTrue();
        assertThat(b.retain()).isTrue();
        assertThat(b.subscribeOn()).isEqualTo(new BrokerSelection(Set.of("BROKEROSLO", "BROKERPARIS"), Set.of("BROKERQUEBEC")));
        assertThat(b.publishTo()).isEqualTo(new BrokerSelection(Set.of("BROKEROSLO", "BROKERPARIS"), Set.of("BROKERQUEBEC")));
    }

    @Test
    void appliesTheDefaults() {
        ReplicationDefinition definition = valid(minimal());

        assertThat(definition.mergeFrequencyHz()).isEqualTo(1);
        TopicRule rule = rule(definition, "t");
        assertThat(rule.mode()).isEqualTo(ReplicationMode.STATE);
        assertThat(rule.qos()).isEqualTo(1);
        assertThat(rule.retain()).isFalse();
        assertThat(rule.noSubscribe()).isFalse();
        assertThat(rule.hasTtl()).isFalse();
        assertThat(broker(definition, "A").cleanSession()).as("persistent session by default").isFalse();
        assertThat(broker(definition, "A").protocolVersion()).isEqualTo(4);
    }

    @Test
    void readsSeveralUrlsAsFailoverAddressesAndTheServersList() {
        ReplicationDefinition definition = valid(minimal(
                "MQTTREP_CLIENT_A", "mqtt://a-1:1883,,mqtt://a-2:1884, mqtt://a-1:1883",
                "MQTTREP_CONFIG_A", "{\"servers\":[{\"host\":\"a-3\",\"port\":1885},{\"host\":\"a-4\",\"protocol\":\"wss\"}]}"));

        assertThat(broker(definition, "A").addresses()).containsExactly(URI.create("mqtt://a-1:1883"),
                URI.create("mqtt://a-2:1884"), URI.create("mqtt://a-3:1885"), URI.create("wss://a-4:443"));
    }

    @Test
    void readsTheSchemeAliasesAsMqttAndMqtts() {
        ReplicationDefinition definition = valid(minimal(
                "MQTTREP_CLIENT_A", "tcp://a",
                "MQTTREP_CLIENT_B", "SSL://b:8884,tls://b-2",
                "MQTTREP_CLIENT_C", "ws://c/mqtt?x=1"));

        assertThat(broker(definition, "A").addresses()).containsExactly(URI.create("mqtt://a:1883"));
        assertThat(broker(definition, "B").addresses()).containsExactly(URI.create("mqtts://b:8884"), URI.create("mqtts://b-2:8883"));
        assertThat(broker(definition, "C").addresses()).containsExactly(URI.create("ws://c:80/mqtt?x=1"));
    }

    @Test
    void takesCredentialsOutOfTheUrl() {
        ReplicationDefinition definition = valid(minimal("MQTTREP_CLIENT_A", "mqtt://user:s%40cret@a:1883"));

        assertThat(broker(definition, "A").addresses()).containsExactly(URI.create("mqtt://a:1883"));
        assertThat(broker(definition, "A").credentials()).contains(new Credentials("user", "s@cret"));
    }

    @Test
    void acceptsHostNamesWithUnderscoresAsDockerComposeNamesThem() {
        assertThat(broker(valid(minimal("MQTTREP_CLIENT_A", "mqtt://mqtt_broker:1883")), "A").addresses())
                .containsExactly(URI.create("mqtt://mqtt_broker:1883"));
    }

    @Test
    void readsTheMisspelledPulishBlacklistTogetherWithThePublishBlacklist() {
        TopicRule rule = rule(valid(minimal(
                "MQTTREP_CLIENT_C", "mqtt://c",
                "MQTTREP_PULISH_BLACKLIST_t", "A",
                "MQTTREP_PUBLISH_BLACKLIST_t", "B")), "t");

        assertThat(rule.publishTo().exclude()).containsExactlyInAnyOrder("A", "B");
    }

    @Test
    void readsBothNamesOfTheMergeFrequency() {
        assertThat(valid(minimal("MQTT_REPLICATOR_MERGE_FREQUENCY", "4")).mergeFrequencyHz()).isEqualTo(4);
        assertThat(valid(minimal("MQTTREP_MERGE_FREQUENCY", "0.5")).mergeFrequencyHz()).isEqualTo(0.5);
        assertThat(warnings(minimal("MQTTREP_MERGE_FREQUENCY", "2", "MQTT_REPLICATOR_MERGE_FREQUENCY", "2.0"))).isEmpty();

        Map<String, String> both = minimal("MQTTREP_MERGE_FREQUENCY", "2", "MQTT_REPLICATOR_MERGE_FREQUENCY", "3");
        assertThat(valid(both).mergeFrequencyHz()).isEqualTo(2);
        assertThat(warnings(both)).containsExactly(
                "MQTT_REPLICATOR_MERGE_FREQUENCY=3: ignored: MQTTREP_MERGE_FREQUENCY=2 is used");
    }

    @Test
    void acceptsTheUsualSpellingsOfBooleans() {
        for (String yes : List.of("true", "TRUE", "1", "yes", "Yes")) {
            assertThat(rule(valid(minimal("MQTTREP_RETAIN_t", yes)), "t").retain()).as(yes).isTrue();
        }
        for (String no : List.of("false", "False", "0", "no", "NO", "")) {
            assertThat(rule(valid(minimal("MQTTREP_RETAIN_t", no)), "t").retain()).as(no).isFalse();
        }
    }

    @Test
    void keepsTheRulesSortedById() {
        ReplicationDefinition definition = valid(minimal("MQTTREP_TOPIC_z", "z/#", "MQTTREP_TOPIC_b", "b/#", "MQTTREP_TOPIC_m", "m/#"));

        assertThat(definition.rules()).extracting(TopicRule::id).containsExactly("b", "m", "t", "z");
    }

    @Test
    void separatesVariablesWhosePrefixesLookAlike() {
        ReplicationDefinition definition = valid(minimal(
                "MQTTREP_SUBSCRIBE_WHITELIST_t", "A",
                "MQTTREP_CONFIG_A", "{\"maxQos\":0}",
                "MQTTREP_MERGE_t", "biggest",
                "MQTTREP_MERGE_FREQUENCY", "3"));

        assertThat(definition.rules()).extracting(TopicRule::id).containsExactly("t");
        assertThat(definition.brokers()).extracting(BrokerSettings::name).containsExactly("A", "B");
        assertThat(broker(definition, "A").maxQos()).isZero();
        assertThat(rule(definition, "t").merge().configName()).isEqualTo("biggest");
        assertThat(definition.mergeFrequencyHz()).isEqualTo(3);
    }

    // ---- client ids

    @Test
    void generatesTheSameClientIdsOnEveryStart() {
        assertThat(valid(minimal()).brokers()).extracting(BrokerSettings::clientId)
                .isEqualTo(valid(minimal()).brokers().stream().map(BrokerSettings::clientId).toList())
                .doesNotHaveDuplicates();
    }

    @Test
    void keepsTheClientIdsWhenOnlySettingsChange() {
        List<String> ids = clientIds(minimal());

        assertThat(clientIds(minimal("MQTTREP_MERGE_FREQUENCY", "5", "MQTTREP_QOS_t", "2", "MQTTREP_TTL_t", "60",
                "MQTTREP_CONFIG_A", "{\"username\":\"u\",\"password\":\"rotated\",\"keepalive\":10}",
                "MQTTREP_TOPIC_n", "sensors/x", "MQTTREP_NOSUB_n", "true"))).isEqualTo(ids);
    }

    @Test
    void changesTheClientIdsForAnotherReplication() {
        List<String> ids = clientIds(minimal());

        assertThat(clientIds(minimal("MQTTREP_TOPIC_t", "other/#"))).doesNotContainAnyElementsOf(ids);
        assertThat(clientIds(minimal("MQTTREP_CLIENT_B", "mqtt://another-b:1883"))).doesNotContainAnyElementsOf(ids);
        assertThat(clientIds(minimal("MQTTREP_CLIENT_C", "mqtt://c:1883"))).doesNotContainAnyElementsOf(ids);
    }

    @Test
    void usesAnExplicitClientId() {
        assertThat(broker(valid(minimal("MQTTREP_CONFIG_A", "{\"clientId\":\"mine\"}")), "A").clientId()).isEqualTo("mine");
        assertThat(broker(valid(minimal("MQTTREP_CONFIG_A", "{\"clientId\":\"\"}")), "A").clientId()).startsWith("a_");
    }

    private static List<String> clientIds(Map<String, String> environment) {
        return valid(environment).brokers().stream().filter(b -> !b.name().equals("C")).map(BrokerSettings::clientId).toList();
    }

    // ---- secrets

    @Test
    void neverShowsAPasswordOrAKey() {
        String secret = "hunter2";
        List<Map<String, String>> environments = List.of(
                minimal("MQTTREP_CONFIG_A", "{\"password\":\"hunter2\",\"keepalive\":-1}"),
                minimal("MQTTREP_CONFIG_A", "{\"password\":hunter2}"),
                minimal("MQTTREP_CONFIG_A", "{\"username\":\"u\",\"password\":\"hunter2\""),
                minimal("MQTTREP_CONFIG_A", "{\"password\":[\"hunter2\"]}"),
                minimal("MQTTREP_CONFIG_A", "{\"key\":\"hunter2\"}"),
                minimal("MQTTREP_CONFIG_A", "{\"key\":\"-----BEGIN KEY-----hunter2\"}"),
                minimal("MQTTREP_CONFIG_A", "{\"password\":\"hunter2\",\"wat\":1}", "MQTTREP_CONFIG_Z", "{\"password\":\"hunter2\"}"),
                minimal("MQTTREP_CONFG_A", "{\"password\":\"hunter2\"}"),
                minimal("MQTTREP_CLIENT_A", "mqtt://u:hunter2@a:99999"),
                minimal("MQTTREP_CLIENT_A", "mqtt://u:hunter2@"),
                minimal("MQTTREP_CLIENT_A", "mqtt://u:hun/ter2@a"),
                minimal("MQTTREP_CLIENT_A", "mqtt://u:hunter2%zz@a"),
                minimal("MQTTREP_CLIENT_A", "u:hunter2@a:1883"),
                minimal("MQTTREP_CLIENT_A", "mqtt://u:hunter2@a", "MQTTREP_CLIENT_B", ""),
                minimal("MQTTREP_CONFIG_A", "{\"password\":\"hunter2\"}", "MQTTREP_QOS_t", "3"));
        for (Map<String, String> environment : environments) {
            Result result = MqttrepEnvironment.parse(environment);
            List<String> lines = result instanceof Invalid invalid ? invalid.problems() : ((Valid) result).definition().toString().lines().toList();
            assertThat(String.join("\n", lines)).as(environment.toString()).doesNotContain(secret).doesNotContain("ter2");
            assertThat(String.join("\n", result.warnings())).doesNotContain(secret);
            if (result instanceof Valid valid) {
                assertThat(valid.toString()).doesNotContain(secret);
            }
        }
    }

    @Test
    void theDefinitionDoesNotShowCredentialsOrKeysInToString() {
        ReplicationDefinition definition = valid(minimal("MQTTREP_CLIENT_A", "mqtts://a",
                "MQTTREP_CONFIG_A", "{\"username\":\"u\",\"password\":\"hunter2\",\"cert\":\"%s\",\"key\":\"%s\"}".formatted(CERT, KEY)));

        assertThat(definition.toString()).doesNotContain("hunter2").doesNotContain("keysecret").contains("username=u");
    }

    // ---- warnings

    @Test
    void warnsAboutUnknownVariablesWithoutShowingTheirValue() {
        assertThat(warnings(minimal("MQTTREP_TOPCI_a", "x/#", "MQTTREP_FOO", "bar", "mqttrep_topic_x", "y"))).containsExactly(
                "MQTTREP_FOO: ignored: not a MQTTREP_ variable",
                "MQTTREP_TOPCI_a: ignored: not a MQTTREP_ variable (did you mean MQTTREP_TOPIC_a?)",
                "mqttrep_topic_x: ignored: variable names are case-sensitive, MQTTREP_ is upper case");
    }

    @Test
    void warnsAboutUnknownConfigurationKeys() {
        assertThat(warnings(minimal("MQTTREP_CONFIG_A", "{\"will\":{},\"protocolId\":\"MQTT\",\"maxQos\":1}"))).containsExactly(
                "MQTTREP_CONFIG_A: ignored unknown keys protocolId, will");
    }

    @Test
    void warnsWhenTheServerCertificateIsNotChecked() {
        ReplicationDefinition definition = valid(minimal("MQTTREP_CLIENT_A", "mqtts://a", "MQTTREP_CONFIG_A", "{\"rejectUnauthorized\":false}"));

        assertThat(broker(definition, "A").tls().verifyServer()).isFalse();
        assertThat(warnings(minimal("MQTTREP_CLIENT_A", "mqtts://a", "MQTTREP_CONFIG_A", "{\"rejectUnauthorized\":false}"))).containsExactly(
                "MQTTREP_CONFIG_A: rejectUnauthorized=false: the broker's certificate and host name are not checked");
    }

    @Test
    void warnsAboutSettingsThatDoNotApply() {
        assertThat(warnings(minimal("MQTTREP_CONFIG_A", "{\"ca\":\"%s\",\"reconnectPeriod\":0}".formatted(CA),
                "MQTTREP_MODE_t", "stream", "MQTTREP_TTL_t", "10", "MQTTREP_TOPIC_s", "$SYS/#"))).containsExactly(
                "MQTTREP_CONFIG_A: reconnectPeriod=0: MQTT.js does not reconnect with 0; mqtt-replicator always reconnects, first after 1000 ms",
                "MQTTREP_CONFIG_A: ca, cert, key and rejectUnauthorized only apply to mqtts:// and wss:// addresses, and there is none",
                "MQTTREP_TOPIC_s=$SYS/#: topics beginning with $ are never replicated",
                "MQTTREP_TTL_t=10: ignored: the rule is in stream mode");
    }

    // ---- problems

    @Test
    void refusesUrlsItCannotUse() {
        assertThat(problems(minimal("MQTTREP_CLIENT_A", "http://a"))).containsExactly(
                "MQTTREP_CLIENT_A=http://a: unknown scheme 'http' (expected mqtt, mqtts, ws, wss, tcp, ssl or tls)");
        assertThat(problems(minimal("MQTTREP_CLIENT_A", "a:1883"))).containsExactly(
                "MQTTREP_CLIENT_A=a:1883: not a URL: expected scheme://host[:port], e.g. mqtt://broker:1883");
        assertThat(problems(minimal("MQTTREP_CLIENT_A", "mqtt://"))).containsExactly("MQTTREP_CLIENT_A=mqtt://: no host");
        assertThat(problems(minimal("MQTTREP_CLIENT_A", "mqtt:///x"))).containsExactly("MQTTREP_CLIENT_A=mqtt:///x: no host");
        assertThat(problems(minimal("MQTTREP_CLIENT_A", "mqtt://a b"))).containsExactly(
                "MQTTREP_CLIENT_A=mqtt://a b: not a URL: Illegal character in authority");
        assertThat(problems(minimal("MQTTREP_CLIENT_A", "mqtt://a:70000"))).containsExactly(
                "MQTTREP_CLIENT_A=mqtt://a:70000: invalid port (expected 1 to 65535)");
        assertThat(problems(minimal("MQTTREP_CLIENT_A", "mqtt://u:pw@a:x"))).containsExactly(
                "MQTTREP_CLIENT_A=mqtt://u:***@a:x: invalid port (expected 1 to 65535)");
        assertThat(problems(minimal("MQTTREP_CLIENT_A", " , "))).containsExactly(
                "MQTTREP_CLIENT_A= , : no broker URL (expected e.g. mqtt://broker:1883)");
    }

    @Test
    void refusesConfigurationsThatAreNotJsonObjects() {
        assertThat(problems(minimal("MQTTREP_CONFIG_A", "{username: \"u\"}"))).containsExactly(
                "MQTTREP_CONFIG_A: not valid JSON: Unexpected character: was expecting double-quote to start field name (line 1, column 2)");
        assertThat(problems(minimal("MQTTREP_CONFIG_A", "{\"maxQos\": 1"))).hasSize(1).allMatch(line ->
                line.startsWith("MQTTREP_CONFIG_A: not valid JSON: Unexpected end-of-input"));
        assertThat(problems(minimal("MQTTREP_CONFIG_A", "{\"maxQos\": 1} x"))).hasSize(1).allMatch(line ->
                line.startsWith("MQTTREP_CONFIG_A: not valid JSON: "));
        assertThat(problems(minimal("MQTTREP_CONFIG_A", "{'username':'u'}"))).containsExactly(
                "MQTTREP_CONFIG_A: not valid JSON: Unexpected character: was expecting double-quote to start field name (line 1, column 2)");
        assertThat(problems(minimal("MQTTREP_CONFIG_A", "{\"password\":s3cret}"))).containsExactly(
                "MQTTREP_CONFIG_A: not valid JSON: Unrecognized token '…': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false') (line 1, column 13)");
        assertThat(problems(minimal("MQTTREP_CONFIG_A", "[1]"))).containsExactly(
                "MQTTREP_CONFIG_A: must be a JSON object, e.g. {\"username\":\"replicator\"}, not array");
    }

    @Test
    void refusesWrongOptionValuesNamingTheKey() {
        assertThat(problems(minimal("MQTTREP_CONFIG_A", """
                {"username":1,"password":2,"clientId":true,"clean":"yes","keepalive":70000,"reconnectPeriod":1.5,
                 "connectTimeout":0,"rejectUnauthorized":"no","ca":7,"cert":"not pem","maxQos":3,"roundRobin":1,
                 "servers":[{"port":1},{"host":"x","port":0,"protocol":"http"},"y"]}"""))).containsExactly(
                "MQTTREP_CONFIG_A: servers[0].host={\"port\":1}: must be a host name",
                "MQTTREP_CONFIG_A: servers[1].port=0: must be a port number from 1 to 65535",
                "MQTTREP_CONFIG_A: servers[1].protocol=\"http\": must be one of mqtt, mqtts, ws, wss, tcp, ssl or tls",
                "MQTTREP_CONFIG_A: servers[2]=\"y\": must be an object {\"host\": …, \"port\": …, \"protocol\": …}",
                "MQTTREP_CONFIG_A: clientId=true: must be a string",
                "MQTTREP_CONFIG_A: clean=\"yes\": must be true or false",
                "MQTTREP_CONFIG_A: keepalive=70000: must be a whole number of seconds from 0 to 65535",
                "MQTTREP_CONFIG_A: reconnectPeriod=1.5: must be a whole number of milliseconds from 0 to 86400000",
                "MQTTREP_CONFIG_A: connectTimeout=0: must be a whole number of milliseconds from 1 to 86400000",
                "MQTTREP_CONFIG_A: maxQos=3: must be 0, 1 or 2",
                "MQTTREP_CONFIG_A: roundRobin=1: must be true or false",
                "MQTTREP_CONFIG_A: username=1: must be a string",
                "MQTTREP_CONFIG_A: password=(hidden): must be a string",
                "MQTTREP_CONFIG_A: ca=7: must be a string",
                "MQTTREP_CONFIG_A: cert=\"not pem\": must be PEM text (-----BEGIN …-----)",
                "MQTTREP_CONFIG_A: rejectUnauthorized=\"no\": must be true or false");
    }

    @Test
    void refusesMqtt31AndOtherProtocolVersions() {
        assertThat(problems(minimal("MQTTREP_CONFIG_A", "{\"protocolVersion\":3}"))).containsExactly(
                "MQTTREP_CONFIG_A: protocolVersion=3: MQTT 3.1 is not supported: use 4 (MQTT 3.1.1) or 5 (MQTT 5)");
        assertThat(problems(minimal("MQTTREP_CONFIG_A", "{\"protocolVersion\":6}"))).containsExactly(
                "MQTTREP_CONFIG_A: protocolVersion=6: must be 4 (MQTT 3.1.1) or 5 (MQTT 5)");
    }

    @Test
    void refusesAClientCertificateWithoutItsKeyAndAPasswordWithoutAUsername() {
        assertThat(problems(minimal("MQTTREP_CLIENT_A", "mqtts://a", "MQTTREP_CONFIG_A", "{\"cert\":\"%s\"}".formatted(CERT))))
                .containsExactly("MQTTREP_CONFIG_A: cert and key go together: a client certificate needs its private key");
        assertThat(problems(minimal("MQTTREP_CONFIG_A", "{\"password\":\"p\"}"))).containsExactly(
                "MQTTREP_CONFIG_A: a password without a username is not allowed by MQTT 3.1.1 (protocolVersion 4)");
        assertThat(broker(valid(minimal("MQTTREP_CONFIG_A", "{\"password\":\"p\",\"protocolVersion\":5}")), "A").credentials())
                .contains(new Credentials(null, "p"));
    }

    @Test
    void refusesAConfigurationWithoutItsClient() {
        assertThat(problems(minimal("MQTTREP_CONFIG_C", "{}", "MQTTREP_CONFIG_a", "{}"))).containsExactly(
                "MQTTREP_CONFIG_C: no MQTTREP_CLIENT_C for this configuration",
                "MQTTREP_CONFIG_a: no MQTTREP_CLIENT_a for this configuration (names are case-sensitive: A?)");
    }

    @Test
    void refusesTooFewBrokersAndNoTopics() {
        assertThat(problems(Map.of("PATH", "/bin"))).containsExactly(
                "MQTTREP_CLIENT_{name}: no broker configured: set MQTTREP_CLIENT_{name}=mqtt://host:1883 for each broker to replicate between",
                "MQTTREP_TOPIC_{id}: no topic configured: set MQTTREP_TOPIC_{id}=<topic filter> for each topic to replicate, e.g. MQTTREP_TOPIC_all=#");
        assertThat(problems(Map.of("MQTTREP_CLIENT_A", "mqtt://a", "MQTTREP_TOPIC_t", "#"))).containsExactly(
                "MQTTREP_CLIENT_A=mqtt://a: only one broker configured: replication needs at least two (another MQTTREP_CLIENT_{name})");
    }

    @Test
    void refusesInvalidTopicFilters() {
        assertThat(problems(minimal("MQTTREP_TOPIC_t", ""))).containsExactly("MQTTREP_TOPIC_t: the topic filter is empty");
        assertThat(problems(minimal("MQTTREP_TOPIC_t", "a/#/b"))).containsExactly(
                "MQTTREP_TOPIC_t=a/#/b: '#' must be alone in the last level of the filter, e.g. sensors/#");
        assertThat(problems(minimal("MQTTREP_TOPIC_t", "a/b#"))).containsExactly(
                "MQTTREP_TOPIC_t=a/b#: '#' must be alone in the last level of the filter, e.g. sensors/#");
        assertThat(problems(minimal("MQTTREP_TOPIC_t", "a/b+/c"))).containsExactly(
                "MQTTREP_TOPIC_t=a/b+/c: '+' must be alone in its level of the filter, e.g. sensors/+/temperature");
        assertThat(rule(valid(minimal("MQTTREP_TOPIC_t", "+/+/#")), "t").filter()).isEqualTo("+/+/#");
    }

    @Test
    void refusesWrongRuleSettings() {
        assertThat(problems(minimal("MQTTREP_QOS_t", "3"))).containsExactly("MQTTREP_QOS_t=3: QoS must be 0, 1 or 2");
        assertThat(problems(minimal("MQTTREP_TTL_t", "-5"))).containsExactly(
                "MQTTREP_TTL_t=-5: TTL must be a whole number of seconds, 0 or more (0 = never expires)");
        assertThat(problems(minimal("MQTTREP_TTL_t", "1.5"))).containsExactly(
                "MQTTREP_TTL_t=1.5: TTL must be a whole number of seconds, 0 or more (0 = never expires)");
        assertThat(problems(minimal("MQTTREP_RETAIN_t", "maybe"))).containsExactly(
                "MQTTREP_RETAIN_t=maybe: must be true or false (also accepted: 1/0, yes/no)");
        assertThat(problems(minimal("MQTTREP_NOSUB_t", "on"))).containsExactly(
                "MQTTREP_NOSUB_t=on: must be true or false (also accepted: 1/0, yes/no)");
        assertThat(problems(minimal("MQTTREP_MERGE_t", "smallest"))).containsExactly(
                "MQTTREP_MERGE_t=smallest: unknown merge algorithm 'smallest' (expected lastwin, biggest, jsonbiggest:<path>, msgpackbiggest:<path> or random)");
        assertThat(problems(minimal("MQTTREP_MODE_t", "bridge"))).containsExactly("MQTTREP_MODE_t=bridge: mode must be state or stream");
        assertThat(problems(minimal("MQTTREP_MERGE_FREQUENCY", "0"))).containsExactly(
                "MQTTREP_MERGE_FREQUENCY=0: the merge frequency must be a number of Hz greater than 0, e.g. 1 or 16.666");
        assertThat(problems(minimal("MQTT_REPLICATOR_MERGE_FREQUENCY", "NaN"))).containsExactly(
                "MQTT_REPLICATOR_MERGE_FREQUENCY=NaN: the merge frequency must be a number of Hz greater than 0, e.g. 1 or 16.666");
    }

    @Test
    void refusesSettingsForATopicThatDoesNotExist() {
        assertThat(problems(minimal("MQTTREP_QOS_x", "2", "MQTTREP_TTL_T", "5", "MQTTREP_QOS_", "1"))).containsExactly(
                "MQTTREP_QOS_=1: no topic id after MQTTREP_QOS_",
                "MQTTREP_QOS_x=2: no MQTTREP_TOPIC_x for this setting",
                "MQTTREP_TTL_T=5: no MQTTREP_TOPIC_T for this setting (names are case-sensitive: t?)");
    }

    @Test
    void refusesBrokerListsNamingUnknownBrokers() {
        assertThat(problems(minimal("MQTTREP_SUBSCRIBE_WHITELIST_t", "A,oslo", "MQTTREP_PULISH_BLACKLIST_t", "a,paris"))).containsExactly(
                "MQTTREP_PULISH_BLACKLIST_t=a,paris: unknown brokers a, paris (configured brokers: A, B; names are case-sensitive)",
                "MQTTREP_SUBSCRIBE_WHITELIST_t=A,oslo: unknown broker oslo (configured brokers: A, B; names are case-sensitive)");
    }

    @Test
    void refusesRulesWithNoBrokerToPublishTo() {
        assertThat(problems(minimal("MQTTREP_PUBLISH_BLACKLIST_t", "A,B"))).containsExactly(
                "MQTTREP_TOPIC_t=sensors/#: no broker to publish to: the publish whitelist/blacklist exclude every broker");
        assertThat(problems(minimal("MQTTREP_SUBSCRIBE_WHITELIST_t", "A", "MQTTREP_PUBLISH_WHITELIST_t", "A"))).containsExactly(
                "MQTTREP_TOPIC_t=sensors/#: no broker to publish to: the only broker it may publish to, A, is the only one it is subscribed on");
        assertThat(problems(minimal("MQTTREP_SUBSCRIBE_BLACKLIST_t", "B,A"))).containsExactly(
                "MQTTREP_TOPIC_t=sensors/#: no broker subscribes to this topic: the subscribe whitelist/blacklist exclude every broker");
        assertThat(problems(minimal("MQTTREP_NOSUB_t", "true", "MQTTREP_PUBLISH_WHITELIST_t", "B", "MQTTREP_PUBLISH_BLACKLIST_t", "B")))
                .containsExactly("MQTTREP_TOPIC_t=sensors/#: no broker to publish to: the publish whitelist/blacklist exclude every broker");

        assertThat(valid(minimal("MQTTREP_SUBSCRIBE_WHITELIST_t", "A", "MQTTREP_PUBLISH_WHITELIST_t", "B")).rules()).hasSize(1);
        assertThat(valid(minimal("MQTTREP_NOSUB_t", "true", "MQTTREP_SUBSCRIBE_BLACKLIST_t", "A,B")).rules()).hasSize(1);
    }

    @Test
    void reportsEveryProblemSortedByVariable() {
        assertThat(problems(minimal("MQTTREP_QOS_t", "3", "MQTTREP_TTL_t", "-1", "MQTTREP_CLIENT_B", "http://b",
                "MQTTREP_CONFIG_A", "{\"maxQos\":5}", "MQTTREP_MERGE_FREQUENCY", "fast"))).containsExactly(
                "MQTTREP_CLIENT_B=http://b: unknown scheme 'http' (expected mqtt, mqtts, ws, wss, tcp, ssl or tls)",
                "MQTTREP_CONFIG_A: maxQos=5: must be 0, 1 or 2",
                "MQTTREP_MERGE_FREQUENCY=fast: the merge frequency must be a number of Hz greater than 0, e.g. 1 or 16.666",
                "MQTTREP_QOS_t=3: QoS must be 0, 1 or 2",
                "MQTTREP_TTL_t=-1: TTL must be a whole number of seconds, 0 or more (0 = never expires)");
    }

    @Test
    void showsValuesOnOneLine() {
        assertThat(problems(minimal("MQTTREP_QOS_t", "3\n"))).containsExactly("MQTTREP_QOS_t=3\\n: QoS must be 0, 1 or 2");
        assertThat(problems(minimal("MQTTREP_MODE_t", "x".repeat(200)))).containsExactly(
                "MQTTREP_MODE_t=" + "x".repeat(120) + "…: mode must be state or stream");
    }

    /** A stream rule on a shared subscription between two MQTT 5 brokers, for one named instance. */
    static Map<String, String> shared(String instance) {
        return minimal("MQTTREP_TOPIC_t", "$share/replicators/sensors/#", "MQTTREP_MODE_t", "stream",
                "MQTTREP_CONFIG_A", "{\"protocolVersion\": 5}", "MQTTREP_CONFIG_B", "{\"protocolVersion\": 5}",
                "MQTTREP_INSTANCE", instance);
    }

    @Test
    void aSharedRuleRunsOnEveryInstanceWithSessionsOfItsOwnAndOneOriginMark() {
        ReplicationDefinition first = valid(shared("replicator-1"));
        ReplicationDefinition second = valid(shared("replicator-2"));

        assertThat(rule(first, "t").filter()).isEqualTo("$share/replicators/sensors/#");
        assertThat(broker(first, "A").clientId()).isNotEqualTo(broker(second, "A").clientId());
        assertThat(broker(first, "A").clientId()).isEqualTo(broker(valid(shared("replicator-1")), "A").clientId());
        assertThat(first.origin()).isEqualTo(second.origin()).startsWith("standalone@");
        assertThat(warnings(shared("replicator-1"))).noneMatch(warning -> warning.contains("never replicated"));
    }

    @Test
    void aSharedRuleTakesTheHostNameWhenNoInstanceIsNamed() {
        Map<String, String> environment = shared("replicator-1");
        environment.remove("MQTTREP_INSTANCE");
        environment.put("HOSTNAME", "replicator-7c9f");

        assertThat(broker(valid(environment), "A").clientId()).isNotEqualTo(broker(valid(shared("replicator-1")), "A").clientId());

        environment.remove("HOSTNAME");
        assertThat(problems(environment)).containsExactly("MQTTREP_INSTANCE: shared subscriptions ($share/...) need a name for"
                + " each instance of the replicator, stable across its restarts, e.g. MQTTREP_INSTANCE=replicator-1");
    }

    @Test
    void aSharedRuleOnMqtt311BrokersOrInStateModeIsRefused() {
        Map<String, String> mqtt311 = shared("replicator-1");
        mqtt311.remove("MQTTREP_CONFIG_B");
        assertThat(problems(mqtt311)).containsExactly("MQTTREP_TOPIC_t=$share/replicators/sensors/#: a shared subscription"
                + " needs MQTT 5 (protocolVersion 5) on every broker it subscribes on, to mark forwarded messages with"
                + " their origin: B uses MQTT 3.1.1");

        Map<String, String> state = shared("replicator-1");
        state.remove("MQTTREP_MODE_t");
        assertThat(problems(state)).singleElement().asString().startsWith("MQTTREP_TOPIC_t=$share/replicators/sensors/#:")
                .contains("stream mode");

        assertThat(problems(minimal("MQTTREP_TOPIC_t", "$share/replicators"))).singleElement().asString()
                .contains("$share/{group}/{filter}");
    }
}
