package io.mqttreplicator.broker;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A change of a broker channel's connection: the new state, since when, the address in use or being
 * tried, and why the last attempt or connection failed. Carries no secrets.
 *
 * @param broker  the broker's name
 * @param state   the new state
 * @param address the address in use or being tried ({@link BrokerAddress#toString()}, no credentials)
 * @param error   why the last connection attempt failed or the connection ended, if it did
 * @param since   when the channel entered this state
 * @param ended   on the change that reports the end of a connection that was up: who ended it
 */
public record ConnectionEvent(String broker, ConnectionState state, Optional<String> address, Optional<String> error,
        Instant since, Optional<ConnectionEnd> ended) {

    public ConnectionEvent {
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(ended, "ended");
    }
}
