package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.internal.mqtt.codec.decoder.MqttDecoder;
import com.hivemq.client.internal.mqtt.handler.publish.incoming.MqttIncomingQosHandler;
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
 * The receive path and the flush batching reach into the HiveMQ client's internals: this pins that
 * the client in use still lets them in where they must go, over MQTT 3.1.1 and MQTT 5, on every
 * connection.
 */
class ClientPipelineTest {

    private static MosquittoBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = MosquittoBroker.builder().name("pipeline").start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    /** What the connected listener saw: the pipeline after the handlers went in. */
    private record Installed(List<String> handlers, Channel channel) {
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5})
    void theHandlersGoInEveryNewConnectionsPipeline(int protocolVersion) throws Exception {
        CompletableFuture<Installed> first = new CompletableFuture<>();
        CompletableFuture<Installed> second = new CompletableFuture<>();
        MqttClientBuilder builder = MqttClient.builder()
                .identifier("client-pipeline-" + protocolVersion)
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
        Channel channel = ClientPipeline.connection(context).getChannel();
        FlushBatching.install(channel);
        new PublishReceiver(message -> { }, (message, reason) -> { }, new PublishSender("pipeline", 4), "pipeline").install(channel);
        return new Installed(channel.pipeline().names(), channel);
    }

    /** The flush batching first; the receiver right behind the decoder, before the client's incoming QoS handler. */
    private static void assertInstalled(Installed installed) {
        List<String> handlers = installed.handlers();
        assertThat(handlers).first().isEqualTo(FlushBatching.HANDLER_NAME);
        int decoder = handlers.indexOf(MqttDecoder.NAME);
        assertThat(decoder).isPositive();
        assertThat(handlers.get(decoder + 1)).isEqualTo(PublishReceiver.NAME);
        assertThat(handlers.indexOf(MqttIncomingQosHandler.NAME)).isGreaterThan(decoder + 1);
    }
}
