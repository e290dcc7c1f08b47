package io.mqttreplicator.engine;

import java.util.Set;

/**
 * An allow list and a deny list of broker names. An empty allow list allows every broker; the deny
 * list wins over the allow list.
 */
public record BrokerSelection(Set<String> include, Set<String> exclude) {

    public static final BrokerSelection ALL = new BrokerSelection(Set.of(), Set.of());

    public BrokerSelection {
        include = Set.copyOf(include);
        exclude = Set.copyOf(exclude);
    }

    public boolean allows(String broker) {
        return (include.isEmpty() || include.contains(broker)) && !exclude.contains(broker);
    }
}
