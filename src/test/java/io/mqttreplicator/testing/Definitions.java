package io.mqttreplicator.testing;

import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.broker.BrokerSettings.Credentials;
import io.mqttreplicator.broker.BrokerSettings.TlsSettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Broker settings with the defaults a user would get (topic rules: {@link io.mqttreplicator.engine.Rules}). */
public final class Definitions {

    private Definitions() {
    }

    public static BrokerSettings broker(String name, String url) {
        return broker(name, url, 2);
    }

    public static BrokerSettings broker(String name, String url, int maxQos) {
        return broker(name, url, maxQos, 4);
    }

    /** A broker spoken to in MQTT 3.1.1 ({@code protocolVersion} 4) or MQTT 5. */
    public static BrokerSettings broker(String name, String url, int maxQos, int protocolVersion) {
        return new BrokerSettings(name, List.of(URI.create(url)), false, protocolVersion, maxQos,
                "test-" + name + "-" + Integer.toHexString(url.hashCode()), false, Duration.ofSeconds(30),
                Duration.ofMillis(200), Duration.ofSeconds(5), Optional.empty(), BrokerSettings.TlsSettings.DEFAULT);
    }

    /** A broker with TLS material and, if not null, a user name and password. */
    public static BrokerSettings broker(String name, String url, Credentials credentials, TlsSettings tls) {
        return new BrokerSettings(name, List.of(URI.create(url)), false, 4, 2,
                "test-" + name + "-" + Integer.toHexString(url.hashCode()), false, Duration.ofSeconds(30),
                Duration.ofMillis(200), Duration.ofSeconds(5), Optional.ofNullable(credentials), tls);
    }

    /**
     * A broker with several addresses, tried in order; the reconnect delay is also the interval at
     * which a later address checks whether the first is back ({@code roundRobin} false).
     */
    public static BrokerSettings failover(String name, boolean roundRobin, Duration reconnectDelay, String... urls) {
        return new BrokerSettings(name, List.of(urls).stream().map(URI::create).toList(), roundRobin, 4, 2,
                "test-" + name + "-" + Integer.toHexString(String.join(",", urls).hashCode()), false,
                Duration.ofSeconds(30), reconnectDelay, Duration.ofSeconds(5), Optional.empty(),
                BrokerSettings.TlsSettings.DEFAULT);
    }
}
