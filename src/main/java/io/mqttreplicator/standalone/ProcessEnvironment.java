package io.mqttreplicator.standalone;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * Where the MQTTREP_* variables come from: the process environment. The only place that reads it;
 * the demo replaces this bean with one describing its embedded brokers.
 */
@ApplicationScoped
public class ProcessEnvironment {

    public Map<String, String> variables() {
        return System.getenv();
    }
}
