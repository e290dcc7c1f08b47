package io.mqttreplicator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The front end the program runs: the Kubernetes operator, or one replication from MQTTREP_* variables. */
public enum RuntimeMode {
    /** Choose at start: see {@link #resolve}. */
    AUTO,
    OPERATOR,
    STANDALONE;

    /**
     * An explicit setting wins. Otherwise any MQTTREP_* variable (or the original's
     * MQTT_REPLICATOR_MERGE_FREQUENCY) means standalone, so an MQTT_Replicator deployment keeps
     * working when only its image changes, in Kubernetes or not; without them, the operator.
     */
    public RuntimeMode resolve(Map<String, String> environment) {
        if (this != AUTO) {
            return this;
        }
        boolean mqttrep = environment.keySet().stream()
                .anyMatch(name -> name.startsWith("MQTTREP_") || name.equals("MQTT_REPLICATOR_MERGE_FREQUENCY"));
        return mqttrep ? STANDALONE : OPERATOR;
    }

    /**
     * Whether a Kubernetes API is configured where the fabric8 client looks for one: inside a pod,
     * {@code KUBERNETES_MASTER} or the system property {@code kubernetes.master}, or a kubeconfig
     * ({@code KUBECONFIG} or {@code ~/.kube/config}).
     */
    public static boolean kubernetesConfigured(Map<String, String> environment, Map<String, String> systemProperties) {
        if (environment.containsKey("KUBERNETES_SERVICE_HOST") || environment.containsKey("KUBERNETES_MASTER")
                || environment.containsKey("KUBECONFIG") || systemProperties.containsKey("kubernetes.master")) {
            return true;
        }
        String home = environment.get("HOME");
        return home != null && Files.isRegularFile(Path.of(home, ".kube", "config"));
    }
}
