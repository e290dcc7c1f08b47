package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BrokerSettingsTest {

    private static BrokerSettings withSessionExpiry(Duration sessionExpiry) {
        return new BrokerSettings("site-a", List.of(URI.create("mqtt://127.0.0.1:1883")), false, 5, 2, "repl-a", false,
                Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(5), Optional.empty(),
                BrokerSettings.TlsSettings.DEFAULT, sessionExpiry);
    }

    @Test
    void theSessionExpiryIsOneDayUnlessGiven() {
        BrokerSettings settings = new BrokerSettings("site-a", List.of(URI.create("mqtt://127.0.0.1:1883")), false, 5, 2,
                "repl-a", false, Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(5), Optional.empty(),
                BrokerSettings.TlsSettings.DEFAULT);

        assertThat(settings.sessionExpiry()).isEqualTo(Duration.ofDays(1));
        assertThat(withSessionExpiry(Duration.ofSeconds(2)).sessionExpiry()).isEqualTo(Duration.ofSeconds(2));
        assertThat(withSessionExpiry(Duration.ofSeconds(2))).isNotEqualTo(withSessionExpiry(Duration.ofSeconds(3)));
    }

    @Test
    void aSessionExpiryBelowOneSecondOrMeaningNeverIsRefused() {
        assertThatThrownBy(() -> withSessionExpiry(Duration.ofMillis(500))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("session expiry");
        assertThatThrownBy(() -> withSessionExpiry(Duration.ofSeconds(0xFFFF_FFFFL)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("finite");
        assertThat(withSessionExpiry(Duration.ofSeconds(0xFFFF_FFFEL)).sessionExpiry().toSeconds()).isEqualTo(0xFFFF_FFFEL);
    }
}
