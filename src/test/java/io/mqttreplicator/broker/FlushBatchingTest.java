package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import io.mqttreplicator.testing.MosquittoBroker;
import io.netty.channel.Channel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The flush batching reaches into the HiveMQ client's internals: this pins that the client in use
 * still lets it in, over MQTT 3.1.1 and MQTT 5, on every connection.
 */
class FlushBatchingTest {

    private static MosquittoBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = MosquittoBroker.builder().name("flush").start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    /** What the connected listener saw: whether the handler went in, and the pipeline after. */
    private record Installed(boolean installed, List<String> handlers, Channel channel) {
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5})
    void theHandlerIsAtTheHeadOfEachNewConnectionsPipeline(int protocolVersion) throws Exception {
        CompletableFuture<Installed> first = new CompletableFuture<>();
        CompletableFuture<Installed> second = new CompletableFuture<>();
        MqttClientBuilder builder = MqttClient.builder()
                .identifier("flush-batching-" + protocolVersion)
                .serverHost("127.0.0.1").serverPort(broker.port())
                .executorConfig(ProtocolClient.EXECUTOR_CONFIG)
                .addConnectedListener(context -> (first.isDone() ? second : first).complete(installed(context)));
        Supplier<CompletableFuture<?>> connect;
        Supplier<CompletableFuture<?>> disconnect;
        if (protocolVersion == 4) {
            var client = builder.useMqttVersion3().buildAsync();
            connect = client::connect;
            disconnect = client::disconnect;
        } else {
            var client = builder.useMqttVersion5().buildAsync();
            connect = client::connect;
            disconnect = client::disconnect;
        }
        for (CompletableFuture<Installed> connection : List.of(first, second)) {
            connect.get().get(10, TimeUnit.SECONDS);
            assertInstalled(connection.get(10, TimeUnit.SECONDS));
            disconnect.get().get(10, TimeUnit.SECONDS);
        }
        assertThat(second.get().channel()).as("a new connection").isNotSameAs(first.get().channel());
    }

    private static Installed installed(MqttClientConnectedContext context) {
        boolean installed = FlushBatching.install(context);
        Channel channel = FlushBatching.channel(context);
        return new Installed(installed, channel == null ? List.of() : channel.pipeline().names(), channel);
    }

    private static void assertInstalled(Installed installed) {
        assertThat(installed.installed()).isTrue();
        assertThat(installed.handlers()).first().isEqualTo(FlushBatching.HANDLER_NAME);
    }
}
