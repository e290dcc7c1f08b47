package io.mqttreplicator.broker;

/** The broker channel was closed before the operation could complete. */
public class BrokerChannelClosedException extends IllegalStateException {

    public BrokerChannelClosedException(String broker) {
        super("broker channel '" + broker + "' is closed");
    }
}
