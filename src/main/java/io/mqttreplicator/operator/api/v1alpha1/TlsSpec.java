package io.mqttreplicator.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** TLS for a broker's mqtts:// and wss:// addresses. */
public class TlsSpec {

    @JsonPropertyDescription("A Secret key holding the PEM CA certificates that sign the broker's certificate. Unset: the JVM's default trust store.")
    private CaSecretRef caSecretRef;

    @JsonPropertyDescription("A Secret holding a PEM client certificate and key (mutual TLS), e.g. a kubernetes.io/tls Secret.")
    private ClientCertificateSecretRef clientCertificateSecretRef;

    @JsonPropertyDescription("true accepts any server certificate and host name. Only for testing: it is logged as a warning. Default false.")
    @Default("false")
    private boolean insecureSkipVerify;

    public CaSecretRef getCaSecretRef() {
        return caSecretRef;
    }

    public void setCaSecretRef(CaSecretRef caSecretRef) {
        this.caSecretRef = caSecretRef;
    }

    public ClientCertificateSecretRef getClientCertificateSecretRef() {
        return clientCertificateSecretRef;
    }

    public void setClientCertificateSecretRef(ClientCertificateSecretRef clientCertificateSecretRef) {
        this.clientCertificateSecretRef = clientCertificateSecretRef;
    }

    public boolean isInsecureSkipVerify() {
        return insecureSkipVerify;
    }

    public void setInsecureSkipVerify(boolean insecureSkipVerify) {
        this.insecureSkipVerify = insecureSkipVerify;
    }
}
