package io.mqttreplicator.engine;

/** A topic filter a broker channel subscribes to, and the QoS it asks for. */
public record Subscription(String filter, int qos) {
}
