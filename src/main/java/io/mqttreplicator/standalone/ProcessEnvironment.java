package io.mqttreplicator.standalone;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the MQTTREP_* variables come from: the process environment, read once. The only place that
 * reads it; the demo replaces this bean with one describing its embedded brokers.
 */
@ApplicationScoped
public class ProcessEnvironment {

    private final Map<String, String> variables = Map.copyOf(System.getenv());

    public Map<String, String> variables() {
        return variables;
    }

    /** The JVM's system properties (where {@code -Dkubernetes.master} would be), as read now. */
    public Map<String, String> systemProperties() {
        Map<String, String> properties = new HashMap<>();
        System.getProperties().forEach((name, value) -> properties.put(String.valueOf(name), String.valueOf(value)));
        return properties;
    }
}
