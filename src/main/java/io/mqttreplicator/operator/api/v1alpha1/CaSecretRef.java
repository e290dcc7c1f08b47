package io.mqttreplicator.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A Secret key holding PEM CA certificates. */
public class CaSecretRef {

    @JsonPropertyDescription("The Secret's name, in the namespace of this MqttReplication.")
    @Required
    @Size(min = 1, max = 253)
    private String name;

    @JsonPropertyDescription("The key holding the PEM certificates. Default ca.crt.")
    @Default("ca.crt")
    private String key = "ca.crt";

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getKey() {
        return key;
    }

    public void setKey(String key) {
        this.key = key;
    }
}
