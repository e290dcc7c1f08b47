package io.mqttreplicator.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** One broker of the replication. */
public class BrokerSpec {

    public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    public static final String ADDRESS_PATTERN = "^(mqtt|mqtts|ws|wss|tcp|ssl|tls)://[^/@\\s]+(/\\S*)?$";
    public static final int MAX_ADDRESSES = 8;

    @JsonPropertyDescription("The broker's name in this replication (a DNS label): topic rules, status, metrics and generated client ids use it.")
    @Required
    @Pattern(NAME_PATTERN)
    @Size(min = 1, max = 63)
    private String name;

    @JsonPropertyDescription("The broker's addresses, tried in order: mqtt://host:port, mqtts://, ws://host:port/path or wss://. Credentials belong in credentialsSecretRef, not in the address.")
    @Required
    @Size(min = 1, max = MAX_ADDRESSES)
    private List<@Pattern(ADDRESS_PATTERN) String> addresses = new ArrayList<>();

    @JsonPropertyDescription("Mosquitto bridge semantics: false goes back to the first address once it is reachable again, true stays on the address that works. Default false.")
    @Default("false")
    private boolean roundRobin;

    @JsonPropertyDescription("MQTT protocol version: 4 (MQTT 3.1.1) or 5. Default 4.")
    @Default("4")
    @Min(4)
    @Max(5)
    private int protocolVersion = 4;

    @JsonPropertyDescription("The highest QoS this broker is sent with (0, 1 or 2). Default 2.")
    @Default("2")
    @Min(0)
    @Max(2)
    private int maxQos = 2;

    @JsonPropertyDescription("The MQTT client id. Empty: generated from the broker name and this resource's namespace, name and uid, stable across restarts so the broker keeps the session.")
    @Size(max = 256)
    private String clientId;

    @JsonPropertyDescription("A Secret in this namespace holding the username and password.")
    private CredentialsSecretRef credentialsSecretRef;

    @JsonPropertyDescription("TLS settings for mqtts:// and wss:// addresses.")
    private TlsSpec tls;

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public List<String> getAddresses() {
        return addresses;
    }

    public void setAddresses(List<String> addresses) {
        this.addresses = addresses;
    }

    public boolean isRoundRobin() {
        return roundRobin;
    }

    public void setRoundRobin(boolean roundRobin) {
        this.roundRobin = roundRobin;
    }

    public int getProtocolVersion() {
        return protocolVersion;
    }

    public void setProtocolVersion(int protocolVersion) {
        this.protocolVersion = protocolVersion;
    }

    public int getMaxQos() {
        return maxQos;
    }

    public void setMaxQos(int maxQos) {
        this.maxQos = maxQos;
    }

    public String getClientId() {
        return clientId;
    }

    public void setClientId(String clientId) {
        this.clientId = clientId;
    }

    public CredentialsSecretRef getCredentialsSecretRef() {
        return credentialsSecretRef;
    }

    public void setCredentialsSecretRef(CredentialsSecretRef credentialsSecretRef) {
        this.credentialsSecretRef = credentialsSecretRef;
    }

    public TlsSpec getTls() {
        return tls;
    }

    public void setTls(TlsSpec tls) {
        this.tls = tls;
    }
}
