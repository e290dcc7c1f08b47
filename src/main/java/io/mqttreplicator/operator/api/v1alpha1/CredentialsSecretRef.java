package io.mqttreplicator.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Where a broker's username and password are: two keys of a Secret in the resource's namespace. */
public class CredentialsSecretRef {

    @JsonPropertyDescription("The Secret's name, in the namespace of this MqttReplication. It is watched: a changed password reconnects the broker.")
    @Required
    @Size(min = 1, max = 253)
    private String name;

    @JsonPropertyDescription("The key holding the username. Default username.")
    @Default("username")
    private String usernameKey = "username";

    @JsonPropertyDescription("The key holding the password. Default password.")
    @Default("password")
    private String passwordKey = "password";

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getUsernameKey() {
        return usernameKey;
    }

    public void setUsernameKey(String usernameKey) {
        this.usernameKey = usernameKey;
    }

    public String getPasswordKey() {
        return passwordKey;
    }

    public void setPasswordKey(String passwordKey) {
        this.passwordKey = passwordKey;
    }
}
