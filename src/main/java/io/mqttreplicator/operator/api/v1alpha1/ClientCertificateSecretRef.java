package io.mqttreplicator.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A Secret holding a PEM client certificate chain and its private key. */
public class ClientCertificateSecretRef {

    @JsonPropertyDescription("The Secret's name, in the namespace of this MqttReplication.")
    @Required
    @Size(min = 1, max = 253)
    private String name;

    @JsonPropertyDescription("The key holding the PEM certificate chain. Default tls.crt.")
    @Default("tls.crt")
    private String certificateKey = "tls.crt";

    @JsonPropertyDescription("The key holding the PEM private key. Default tls.key.")
    @Default("tls.key")
    private String keyKey = "tls.key";

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getCertificateKey() {
        return certificateKey;
    }

    public void setCertificateKey(String certificateKey) {
        this.certificateKey = certificateKey;
    }

    public String getKeyKey() {
        return keyKey;
    }

    public void setKeyKey(String keyKey) {
        this.keyKey = keyKey;
    }
}
