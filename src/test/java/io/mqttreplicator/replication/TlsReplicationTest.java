package io.mqttreplicator.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.json.JsonMapper;
import io.mqttreplicator.broker.BrokerChannel;
import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.broker.BrokerSettings.Credentials;
import io.mqttreplicator.broker.BrokerSettings.TlsSettings;
import io.mqttreplicator.broker.ConnectionState;
import io.mqttreplicator.engine.Rules;
import io.mqttreplicator.standalone.MqttrepEnvironment;
import io.mqttreplicator.testing.CapturedLog;
import io.mqttreplicator.testing.Definitions;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.ReplicationHarness;
import io.mqttreplicator.testing.TestCertificates;
import io.mqttreplicator.testing.TestCertificates.Authority;
import io.mqttreplicator.testing.TestCertificates.Issued;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replication between a Mosquitto broker reached over {@code mqtts://} and a plain one, with
 * certificates made by the test: user and password, client certificates, and the failures a user
 * must be told about (refused password, untrusted certificate, wrong host name).
 */
class TlsReplicationTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private static Authority ca;
    private static Issued server;
    private static Issued client;
    private static Issued wrongHostServer;
    private static Authority otherCa;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority("mqtt-replicator test CA");
        server = ca.server("127.0.0.1", "localhost");
        client = ca.client("replicator");
        wrongHostServer = ca.server("broker.wrong.example");
        otherCa = TestCertificates.authority("some other CA");
    }

    private static TlsSettings trusting(Authority authority) {
        return new TlsSettings(Optional.of(authority.certificatePem()), Optional.empty(), Optional.empty(), true);
    }

    private static ReplicationHarness harness(MosquittoBroker.Builder tlsBroker) {
        Map<String, MosquittoBroker> brokers = new LinkedHashMap<>();
        brokers.put("plain", MosquittoBroker.builder().name("plain").start());
        brokers.put("secure", tlsBroker.name("secure").start());
        return ReplicationHarness.with(brokers);
    }

    private static Function<String, BrokerSettings> secureAs(ReplicationHarness harness, Credentials credentials,
            TlsSettings tls) {
        return name -> name.equals("secure")
                ? Definitions.broker(name, harness.broker(name).tlsUrl(), credentials, tls)
                : Definitions.broker(name, harness.broker(name).url());
    }

    /** Both ways: plain to secure and secure to plain, each message once. */
    private static void assertReplicatesBothWays(ReplicationHarness harness) {
        harness.awaitFlowing("events/probe");
        TestMqttClient onPlain = harness.subscriber("plain", "events/data/#", 1);
        TestMqttClient onSecure = harness.subscriber("secure", "events/data/#", 1);
        harness.client("plain").publish("events/data/from-plain", "p", 1, false);
        harness.client("secure").publish("events/data/from-secure", "s", 1, false);
        await().atMost(WAIT).until(() -> onPlain.received().size() == 2 && onSecure.received().size() == 2);
        assertThat(onSecure.receivedTexts("events/data/from-plain")).containsExactly("p");
        assertThat(onPlain.receivedTexts("events/data/from-secure")).containsExactly("s");
    }

    @Test
    void replicatesOverMqttsWithUserAndPassword() {
        try (ReplicationHarness harness = harness(MosquittoBroker.builder().tls(ca.certificatePem(), server)
                .tlsUser("replicator", "s3cret"))) {
            harness.replicate(harness.definition(1, secureAs(harness, new Credentials("replicator", "s3cret"),
                    trusting(ca)), Rules.stream("events", "events/#").qos(1).build()));

            assertReplicatesBothWays(harness);
            assertThat(harness.channels().get("secure").address()).isEqualTo(harness.broker("secure").tlsUrl());
            assertThat(harness.broker("secure").log()).contains("u'replicator'");
        }
    }

    @Test
    void replicatesOverMqttsWithAClientCertificate() {
        try (ReplicationHarness harness = harness(MosquittoBroker.builder().tls(ca.certificatePem(), server)
                .tlsClientCertificateRequired())) {
            TlsSettings mutual = new TlsSettings(Optional.of(ca.certificatePem()), Optional.of(client.certificatePem()),
                    Optional.of(client.privateKeyPem()), true);
            harness.replicate(harness.definition(1, secureAs(harness, null, mutual),
                    Rules.stream("events", "events/#").qos(1).build()));

            assertReplicatesBothWays(harness);
            // use_identity_as_username: the broker knows the replicator by its certificate's common name
            assertThat(harness.broker("secure").log()).contains("u'replicator'");
        }
    }

    @Test
    void aClientWithoutTheRequiredCertificateIsRefusedAndToldWhy() {
        try (ReplicationHarness harness = harness(MosquittoBroker.builder().tls(ca.certificatePem(), server)
                .tlsClientCertificateRequired())) {
            harness.start(harness.definition(1, secureAs(harness, null, trusting(ca)),
                    Rules.stream("events", "events/#").build()));

            BrokerChannel secure = harness.channels().get("secure");
            await().atMost(WAIT).until(() -> secure.lastError().isPresent());
            assertThat(secure.state()).isNotEqualTo(ConnectionState.CONNECTED);
            assertThat(secure.state()).isEqualTo(ConnectionState.FAILED);
            assertThat(secure.lastError().orElseThrow()).contains("TLS failed").contains("certificate_required");
        }
    }

    @Test
    void aWrongPasswordIsReportedWithTheBrokersReasonAndRetriedSlowly() {
        try (ReplicationHarness harness = harness(MosquittoBroker.builder().tls(ca.certificatePem(), server)
                .tlsUser("replicator", "s3cret"))) {
            harness.start(harness.definition(1, secureAs(harness, new Credentials("replicator", "wrong"), trusting(ca)),
                    Rules.stream("events", "events/#").build()));
            BrokerChannel secure = harness.channels().get("secure");
            MosquittoBroker broker = harness.broker("secure");

            await().atMost(WAIT).until(() -> secure.state() == ConnectionState.FAILED);
            assertThat(secure.lastError().orElseThrow()).contains("NOT_AUTHORIZED").doesNotContain("wrong");
            assertThat(secure.status().address()).contains(broker.tlsUrl());
            assertThat(harness.channels().get("plain").state()).isEqualTo(ConnectionState.CONNECTED);

            // a hot loop would make hundreds of attempts in 8 s; after a refusal the backoff starts at 5 s and doubles
            long attemptsBefore = broker.countInLog("New connection from");
            await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(10))
                    .until(() -> broker.countInLog("New connection from") - attemptsBefore <= 2);
            assertThat(broker.countInLog("New connection from") - attemptsBefore).isPositive();
            assertThat(secure.state()).isEqualTo(ConnectionState.FAILED);
        }
    }

    @Test
    void anUntrustedServerCertificateIsRefusedNamingTheCertificateProblem() {
        try (ReplicationHarness harness = harness(MosquittoBroker.builder().tls(ca.certificatePem(), server)
                .tlsUser("replicator", "s3cret"))) {
            harness.start(harness.definition(1, secureAs(harness, new Credentials("replicator", "s3cret"),
                    trusting(otherCa)), Rules.stream("events", "events/#").build()));
            BrokerChannel secure = harness.channels().get("secure");

            await().atMost(WAIT).until(() -> secure.state() == ConnectionState.FAILED);
            assertThat(secure.lastError().orElseThrow())
                    .contains("certificate is not trusted")
                    .contains("unable to find valid certification path")
                    .doesNotContain("sun.security")
                    .contains("CN=127.0.0.1")
                    .contains("CN=mqtt-replicator test CA");
            assertThat(harness.broker("secure").countInLog("New client connected")).isZero();
        }
    }

    @Test
    void aCertificateForAnotherHostIsRefusedByDefault() {
        try (ReplicationHarness harness = harness(MosquittoBroker.builder().tls(ca.certificatePem(), wrongHostServer)
                .tlsUser("replicator", "s3cret"))) {
            harness.start(harness.definition(1, secureAs(harness, new Credentials("replicator", "s3cret"), trusting(ca)),
                    Rules.stream("events", "events/#").build()));
            BrokerChannel secure = harness.channels().get("secure");

            await().atMost(WAIT).until(() -> secure.state() == ConnectionState.FAILED);
            assertThat(secure.lastError().orElseThrow())
                    .contains("does not match the host")
                    .contains("127.0.0.1");
            assertThat(harness.broker("secure").countInLog("New client connected")).isZero();
        }
    }

    @Test
    void withoutServerVerificationAnyCertificateIsAcceptedAndAWarningLoggedOnce() {
        try (CapturedLog log = CapturedLog.of(BrokerChannel.class);
                ReplicationHarness harness = harness(MosquittoBroker.builder().tls(ca.certificatePem(), wrongHostServer)
                        .tlsUser("replicator", "s3cret"))) {
            TlsSettings insecure = new TlsSettings(Optional.of(otherCa.certificatePem()), Optional.empty(),
                    Optional.empty(), false);
            harness.replicate(harness.definition(1, secureAs(harness, new Credentials("replicator", "s3cret"), insecure),
                    Rules.stream("events", "events/#").qos(1).build()));
            assertReplicatesBothWays(harness);

            harness.broker("secure").restart();
            BrokerChannel secure = harness.channels().get("secure");
            await().atMost(WAIT).until(() -> harness.broker("secure").connectionsOf(secure.settings().clientId()) == 2
                    && secure.state() == ConnectionState.CONNECTED);

            assertThat(log.warnings()).filteredOn(line -> line.contains("verification is disabled"))
                    .singleElement().asString().contains("'secure'");
        }
    }

    @Test
    void mqttrepConfigTakesTheCaAsPemText() throws Exception {
        try (ReplicationHarness harness = harness(MosquittoBroker.builder().tls(ca.certificatePem(), server)
                .tlsUser("replicator", "s3cret"))) {
            String config = JsonMapper.builder().build().writeValueAsString(Map.of(
                    "username", "replicator", "password", "s3cret", "ca", ca.certificatePem()));
            Map<String, String> environment = Map.of(
                    "MQTTREP_CLIENT_plain", harness.broker("plain").url(),
                    "MQTTREP_CLIENT_secure", harness.broker("secure").tlsUrl(),
                    "MQTTREP_CONFIG_secure", config,
                    "MQTTREP_TOPIC_events", "events/#",
                    "MQTTREP_MODE_events", "stream");
            MqttrepEnvironment.Result result = MqttrepEnvironment.parse(environment);
            assertThat(result).isInstanceOf(MqttrepEnvironment.Valid.class);
            ReplicationDefinition definition = ((MqttrepEnvironment.Valid) result).definition();
            assertThat(definition.brokers()).filteredOn(broker -> broker.name().equals("secure")).singleElement()
                    .satisfies(broker -> assertThat(broker.tls().caPem()).contains(ca.certificatePem()));

            ReplicationManager manager = new ReplicationManager();
            try {
                manager.apply(definition);
                await().atMost(WAIT).until(() -> manager.channels(definition.name()).orElseThrow().values().stream()
                        .allMatch(channel -> channel.state() == ConnectionState.CONNECTED));
                TestMqttClient onSecure = harness.subscriber("secure", "events/data", 1);
                TestMqttClient publisher = harness.client("plain");
                await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() -> {
                    publisher.publish("events/data", "through MQTTREP_CONFIG", 1, false);
                    return !onSecure.received().isEmpty();
                });
                assertThat(onSecure.receivedTexts("events/data")).first().isEqualTo("through MQTTREP_CONFIG");
            } finally {
                manager.remove(definition.name());
            }
        }
    }

    @Test
    void mqttrepConfigTakesAClientCertificateAndKeyPastedWithRealLineBreaks() {
        try (ReplicationHarness harness = harness(MosquittoBroker.builder().tls(ca.certificatePem(), server)
                .tlsClientCertificateRequired())) {
            // the PEM text as is inside the JSON string, line breaks unescaped, as people paste it
            String config = "{\"ca\": \"" + ca.certificatePem() + "\", \"cert\": \"" + client.certificatePem()
                    + "\", \"key\": \"" + client.privateKeyPem() + "\"}";
            MqttrepEnvironment.Result result = MqttrepEnvironment.parse(Map.of(
                    "MQTTREP_CLIENT_plain", harness.broker("plain").url(),
                    "MQTTREP_CLIENT_secure", harness.broker("secure").tlsUrl(),
                    "MQTTREP_CONFIG_secure", config,
                    "MQTTREP_TOPIC_events", "events/#",
                    "MQTTREP_MODE_events", "stream"));
            assertThat(result).isInstanceOf(MqttrepEnvironment.Valid.class);
            ReplicationDefinition definition = ((MqttrepEnvironment.Valid) result).definition();

            ReplicationManager manager = new ReplicationManager();
            try {
                manager.apply(definition);
                await().atMost(WAIT).until(() -> manager.channels(definition.name()).orElseThrow().values().stream()
                        .allMatch(channel -> channel.state() == ConnectionState.CONNECTED));
                assertThat(harness.broker("secure").log()).contains("u'replicator'");
            } finally {
                manager.remove(definition.name());
            }
        }
    }
}
