package io.mqttreplicator.broker;

import io.mqttreplicator.broker.BrokerSettings.Credentials;
import io.mqttreplicator.broker.BrokerSettings.TlsSettings;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Broker settings for tests: fast reconnects, short timeouts, a fresh client id. */
final class TestSettings {

    private final List<URI> addresses;
    private String name = "test";
    private int protocolVersion = 4;
    private int maxQos = 2;
    private String clientId = "channel-" + UUID.randomUUID().toString().substring(0, 8);
    private boolean cleanSession = true;
    private boolean roundRobin;
    private Duration reconnectDelay = Duration.ofMillis(100);
    private Duration keepAlive = Duration.ofSeconds(30);
    private Optional<Credentials> credentials = Optional.empty();
    private TlsSettings tls = TlsSettings.DEFAULT;
    private Duration sessionExpiry = BrokerSettings.DEFAULT_SESSION_EXPIRY;

    private TestSettings(String... urls) {
        this.addresses = Arrays.stream(urls).map(URI::create).toList();
    }

    static TestSettings of(String... urls) {
        return new TestSettings(urls);
    }

    TestSettings name(String name) {
        this.name = name;
        return this;
    }

    TestSettings protocolVersion(int protocolVersion) {
        this.protocolVersion = protocolVersion;
        return this;
    }

    TestSettings maxQos(int maxQos) {
        this.maxQos = maxQos;
        return this;
    }

    TestSettings clientId(String clientId) {
        this.clientId = clientId;
        return this;
    }

    TestSettings persistentSession() {
        this.cleanSession = false;
        return this;
    }

    /** How long the broker keeps the persistent session (MQTT 5). */
    TestSettings sessionExpiry(Duration sessionExpiry) {
        this.sessionExpiry = sessionExpiry;
        return this;
    }

    TestSettings roundRobin(boolean roundRobin) {
        this.roundRobin = roundRobin;
        return this;
    }

    TestSettings keepAlive(Duration keepAlive) {
        this.keepAlive = keepAlive;
        return this;
    }

    TestSettings reconnectDelay(Duration reconnectDelay) {
        this.reconnectDelay = reconnectDelay;
        return this;
    }

    TestSettings credentials(String username, String password) {
        this.credentials = Optional.of(new Credentials(username, password));
        return this;
    }

    TestSettings tls(TlsSettings tls) {
        this.tls = tls;
        return this;
    }

    BrokerSettings build() {
        return new BrokerSettings(name, addresses, roundRobin, protocolVersion, maxQos, clientId, cleanSession,
                keepAlive, reconnectDelay, Duration.ofSeconds(5), credentials, tls, sessionExpiry);
    }
}
