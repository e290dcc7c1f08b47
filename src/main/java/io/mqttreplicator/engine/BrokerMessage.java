package io.mqttreplicator.engine;

import java.util.Arrays;

/**
 * One MQTT application message as the engine sees it, independent of the client library.
 *
 * @param topic   the topic name (never a filter)
 * @param payload the payload; an empty payload is a deletion in state mode
 * @param qos     0, 1 or 2
 * @param retain  on inbound messages: the broker replayed a retained message because of a
 *                subscription (old state, not a new write); on outbound messages: publish retained
 * @param origin  the replication and source broker that forwarded it ({@link SharedSubscription#ORIGIN_PROPERTY},
 *                MQTT 5 only), or null: on inbound messages as received, on outbound ones to be sent
 */
public record BrokerMessage(String topic, byte[] payload, int qos, boolean retain, String origin) {

    /** A message without an origin mark. */
    public BrokerMessage(String topic, byte[] payload, int qos, boolean retain) {
        this(topic, payload, qos, retain, null);
    }

    public boolean isDeletion() {
        return payload.length == 0;
    }

    public boolean samePayload(byte[] other) {
        return Arrays.equals(payload, other);
    }

    @Override
    public String toString() {
        return "BrokerMessage[topic=" + topic + ", " + payload.length + " bytes, qos=" + qos + ", retain=" + retain
                + (origin == null ? "" : ", origin=" + origin) + "]";
    }
}
