package io.mqttreplicator.testing;

import io.mqttreplicator.broker.BrokerSettings;
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
        return new BrokerSettings(name, List.of(URI.create(url)), false, 4, maxQos,
                "test-" + name + "-" + Integer.toHexString(url.hashCode()), false, Duration.ofSeconds(30),
                Duration.ofMillis(200), Duration.ofSeconds(5), Optional.empty(), BrokerSettings.TlsSettings.DEFAULT);
    }
}
