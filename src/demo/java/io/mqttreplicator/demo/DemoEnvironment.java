package io.mqttreplicator.demo;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;
import io.mqttreplicator.standalone.ProcessEnvironment;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Alternative;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The demo (the README's first command, built with {@code -Pdemo}): two embedded Moquette brokers
 * on 127.0.0.1, started with the application, and the MQTTREP_* configuration of a replication
 * between them, read by the product exactly as a real environment would be.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class DemoEnvironment extends ProcessEnvironment {

    private static final Logger LOG = Logger.getLogger(DemoEnvironment.class);
    private static final int PORT_A = 11883;
    private static final int PORT_B = 11884;

    private static final Map<String, String> VARIABLES = Map.of(
            "MQTTREP_CLIENT_site-a", "mqtt://127.0.0.1:" + PORT_A,
            "MQTTREP_CLIENT_site-b", "mqtt://127.0.0.1:" + PORT_B,
            "MQTTREP_TOPIC_demo", "demo/#",
            "MQTTREP_RETAIN_demo", "true",
            "MQTTREP_MERGE_FREQUENCY", "10");

    private final List<Server> brokers = List.of(new Server(), new Server());

    @Override
    public Map<String, String> variables() {
        return VARIABLES;
    }

    /** Starts both brokers when the application starts, before {@code Main} applies the replication. */
    void startBrokers(@Observes StartupEvent started) {
        start(brokers.get(0), PORT_A);
        start(brokers.get(1), PORT_B);
        CompletableFuture.runAsync(DemoEnvironment::showReplication);
    }

    private static void start(Server broker, int port) {
        Properties properties = new Properties();
        properties.setProperty("host", "127.0.0.1");
        properties.setProperty("port", Integer.toString(port));
        properties.setProperty("allow_anonymous", "true");
        properties.setProperty("allow_zero_byte_client_id", "true");
        properties.setProperty("persistence_enabled", "false");
        properties.setProperty("telemetry_enabled", "false");
        try {
            broker.startServer(new MemoryConfig(properties));
        } catch (IOException e) {
            throw new UncheckedIOException("demo broker on 127.0.0.1:" + port + " did not start (port in use?)", e);
        }
    }

    /** Publishes one value on site-a and reports when the replica arrives on site-b. */
    private static void showReplication() {
        Mqtt3AsyncClient publisher = client(PORT_A);
        Mqtt3AsyncClient subscriber = client(PORT_B);
        try {
            CompletableFuture<String> arrived = new CompletableFuture<>();
            subscriber.subscribeWith().topicFilter("demo/hello").qos(MqttQos.AT_LEAST_ONCE)
                    .callback(publish -> arrived.complete(StandardCharsets.UTF_8.decode(publish.getPayload().orElseThrow()).toString()))
                    .send().get(10, TimeUnit.SECONDS);
            long start = System.nanoTime();
            publisher.publishWith().topic("demo/hello").payload("hello from site-a".getBytes(StandardCharsets.UTF_8))
                    .qos(MqttQos.AT_LEAST_ONCE).retain(true).send().get(10, TimeUnit.SECONDS);
            String value = arrived.get(30, TimeUnit.SECONDS);
            LOG.infof("""
                    Demo: 'demo/hello' = '%s', published on site-a (127.0.0.1:%d), arrived on site-b (127.0.0.1:%d) after %d ms.
                    Try it yourself with any MQTT client, e.g.:
                      mosquitto_sub -h 127.0.0.1 -p %d -t 'demo/#' -v
                      mosquitto_pub -h 127.0.0.1 -p %d -t demo/temperature -m 21.5 -r
                    Values published on either broker under demo/# converge on both (state mode, 10 merges per second).""",
                    value, PORT_A, PORT_B, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), PORT_B, PORT_A);
        } catch (Exception e) {
            LOG.errorf("Demo: the value published on site-a did not arrive on site-b: %s", e.toString());
        } finally {
            publisher.disconnect();
            subscriber.disconnect();
        }
    }

    private static Mqtt3AsyncClient client(int port) {
        Mqtt3AsyncClient client = Mqtt3Client.builder().serverHost("127.0.0.1").serverPort(port)
                .identifier("demo-client-" + port).buildAsync();
        client.connect().join();
        return client;
    }

    @PreDestroy
    void stopBrokers() {
        brokers.forEach(Server::stopServer);
    }
}
