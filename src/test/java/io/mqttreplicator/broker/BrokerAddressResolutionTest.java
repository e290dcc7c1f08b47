package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.testing.MosquittoBroker;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Host names are resolved on every connection attempt, not once when the channel is made. */
class BrokerAddressResolutionTest {

    @Test
    void aHostNameStaysUnresolvedInTheClientsTransport() {
        var transport = BrokerChannel.transport(BrokerAddress.parse(URI.create("mqtt://localhost:1883")), null,
                Duration.ofSeconds(5));

        assertThat(transport.getServerAddress().isUnresolved()).isTrue();
        assertThat(transport.getServerAddress().getHostString()).isEqualTo("localhost");
    }

    @Test
    void anIpLiteralNeedsNoResolution() {
        var transport = BrokerChannel.transport(BrokerAddress.parse(URI.create("mqtt://127.0.0.1:1883")), null,
                Duration.ofSeconds(5));

        assertThat(transport.getServerAddress().isUnresolved()).isFalse();
    }

    @Test
    void aChannelGivenAHostNameConnectsAndTheFirstAddressProbeResolvesItToo() {
        try (MosquittoBroker broker = MosquittoBroker.builder().name("by-name").start();
                BrokerChannel channel = new BrokerChannel(TestSettings.of("mqtt://localhost:" + broker.port()).build(),
                        List.of())) {
            channel.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> channel.state() == ConnectionState.CONNECTED);

            BrokerAddress byName = BrokerAddress.parse(URI.create("mqtt://localhost:" + broker.port()));
            assertThat(FirstAddressProbe.accepts(byName, 1000)).isTrue();
            broker.stop();
            assertThat(FirstAddressProbe.accepts(byName, 1000)).isFalse();
        }
    }
}
