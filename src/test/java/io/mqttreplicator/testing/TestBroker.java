package io.mqttreplicator.testing;

/** A broker a test runs on 127.0.0.1: a Mosquitto process or an embedded Java broker. */
public interface TestBroker extends AutoCloseable {

    /** The plain MQTT port, for test clients. */
    int port();

    /** The address the replicator is given: plain MQTT, {@code mqtt://127.0.0.1:<port>}. */
    default String url() {
        return "mqtt://127.0.0.1:" + port();
    }

    /** A test client connected to {@link #port()}, ready to subscribe and publish. */
    default TestMqttClient client() {
        return TestMqttClient.connect(port());
    }

    @Override
    void close();
}
