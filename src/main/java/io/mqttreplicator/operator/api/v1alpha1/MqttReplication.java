package io.mqttreplicator.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A replication between MQTT brokers: which brokers, which topics, and how. */
@Group(MqttReplication.GROUP)
@Version(MqttReplication.VERSION)
@ShortNames("mqrep")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
// The generator orders columns by JSON path: the quotes make Ready come before Reason.
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type=='Ready')].reason",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Brokers", jsonPath = ".status.connectedBrokers", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class MqttReplication extends CustomResource<MqttReplicationSpec, MqttReplicationStatus> implements Namespaced {

    public static final String GROUP = "mqttreplicator.io";
    public static final String VERSION = "v1alpha1";
}
