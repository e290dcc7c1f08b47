package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The TCP check of the first address: reports once when it answers, never after being stopped. */
class FirstAddressProbeTest {

    @Test
    void reportsOnceWhenTheAddressStartsAcceptingConnections() throws Exception {
        int port;
        try (ServerSocket probePort = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probePort.getLocalPort();
        }
        FirstAddressProbe probe = new FirstAddressProbe(BrokerAddress.parse(URI.create("mqtt://127.0.0.1:" + port)),
                Duration.ofSeconds(1));
        AtomicInteger reports = new AtomicInteger();
        probe.start(Duration.ofMillis(100), reports::incrementAndGet);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> reports.get() == 0);

        try (ServerSocket listening = new ServerSocket()) {
            listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            await().atMost(Duration.ofSeconds(5)).until(() -> reports.get() == 1);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> reports.get() == 1);
        }
    }

    @Test
    void reportsNothingOnceStopped() throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            FirstAddressProbe probe = new FirstAddressProbe(
                    BrokerAddress.parse(URI.create("mqtt://127.0.0.1:" + listening.getLocalPort())), Duration.ofSeconds(1));
            AtomicInteger reports = new AtomicInteger();
            probe.start(Duration.ofMillis(300), reports::incrementAndGet);
            probe.stop();

            await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2)).until(() -> reports.get() == 0);
            assertThat(FirstAddressProbe.accepts(BrokerAddress.parse(
                    URI.create("mqtt://127.0.0.1:" + listening.getLocalPort())), 1000)).isTrue();
        }
    }
}
