package io.mqttreplicator.operator;

import io.mqttreplicator.operator.api.v1alpha1.BrokerSelectionSpec;
import io.mqttreplicator.operator.api.v1alpha1.BrokerSpec;
import io.mqttreplicator.operator.api.v1alpha1.CredentialsSecretRef;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplication;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplicationSpec;
import io.mqttreplicator.operator.api.v1alpha1.TopicSpec;
import java.util.ArrayList;
import java.util.List;

/** Builds MqttReplication resources for tests. */
final class Resources {

    private Resources() {
    }

    static MqttReplication replication(String namespace, String name, List<BrokerSpec> brokers, List<TopicSpec> topics) {
        MqttReplication resource = new MqttReplication();
        resource.getMetadata().setNamespace(namespace);
        resource.getMetadata().setName(name);
        MqttReplicationSpec spec = new MqttReplicationSpec();
        spec.setMergeFrequencyHz(10);
        spec.setBrokers(new ArrayList<>(brokers));
        spec.setTopics(new ArrayList<>(topics));
        resource.setSpec(spec);
        return resource;
    }

    static BrokerSpec broker(String name, String... addresses) {
        BrokerSpec broker = new BrokerSpec();
        broker.setName(name);
        broker.setAddresses(new ArrayList<>(List.of(addresses)));
        return broker;
    }

    static BrokerSpec brokerWithCredentials(String name, String secret, String address) {
        BrokerSpec broker = broker(name, address);
        CredentialsSecretRef ref = new CredentialsSecretRef();
        ref.setName(secret);
        broker.setCredentialsSecretRef(ref);
        return broker;
    }

    static TopicSpec stream(String filter) {
        TopicSpec topic = new TopicSpec();
        topic.setFilter(filter);
        topic.setMode(TopicSpec.Mode.STREAM);
        return topic;
    }

    static TopicSpec state(String filter) {
        TopicSpec topic = new TopicSpec();
        topic.setFilter(filter);
        return topic;
    }

    static BrokerSelectionSpec include(String... brokers) {
        BrokerSelectionSpec selection = new BrokerSelectionSpec();
        selection.setInclude(new ArrayList<>(List.of(brokers)));
        return selection;
    }
}
