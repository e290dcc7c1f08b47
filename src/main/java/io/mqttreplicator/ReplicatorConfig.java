package io.mqttreplicator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The service's own settings (the MQTTREP_* variables are parsed in standalone/). */
@ConfigMapping(prefix = "mqtt-replicator")
public interface ReplicatorConfig {

    /** Which front end runs: env MQTT_REPLICATOR_MODE = auto, operator or standalone. */
    @WithDefault("auto")
    RuntimeMode mode();
}
