package io.mqttreplicator.engine;

/** How a topic rule replicates: converge on the last value per topic, or forward every message. */
public enum ReplicationMode {
    STATE,
    STREAM;

    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
