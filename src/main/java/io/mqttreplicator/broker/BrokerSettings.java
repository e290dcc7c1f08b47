package io.mqttreplicator.broker;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach one broker. Immutable; two equal settings mean the connection need not change.
 *
 * @param name            the broker's name in the replication
 * @param addresses       one or more {@code mqtt://}, {@code mqtts://}, {@code ws://}, {@code wss://} URIs, tried in order
 * @param roundRobin      true: stay on the address that works; false: go back to the first once reachable
 * @param protocolVersion 4 (MQTT 3.1.1) or 5
 * @param maxQos          the highest QoS this broker is sent with
 * @param clientId        the MQTT client id, stable across reconnects and restarts
 * @param cleanSession    false keeps the broker session (and its queued messages) while disconnected
 * @param keepAlive       MQTT keep alive
 * @param reconnectDelay  the first delay before reconnecting; it grows exponentially from there
 * @param connectTimeout  how long a connection attempt may take
 * @param credentials     username and password, if any
 * @param tls             TLS material and checks for mqtts/wss
 * @param sessionExpiry   MQTT 5: how long the broker keeps a persistent session after a disconnect
 */
public record BrokerSettings(
        String name,
        List<URI> addresses,
        boolean roundRobin,
        int protocolVersion,
        int maxQos,
        String clientId,
        boolean cleanSession,
        Duration keepAlive,
        Duration reconnectDelay,
        Duration connectTimeout,
        Optional<Credentials> credentials,
        TlsSettings tls,
        Duration sessionExpiry) {

    /**
     * Long enough for any restart of the replicator; finite, so that the sessions of a replication
     * that is gone do not stay on the brokers for ever.
     */
    public static final Duration DEFAULT_SESSION_EXPIRY = Duration.ofDays(1);

    /** MQTT 5 reads 0xFFFFFFFF seconds as "never expires". */
    private static final long NEVER_EXPIRES_SECONDS = 0xFFFF_FFFFL;

    public BrokerSettings {
        Objects.requireNonNull(name, "name");
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a broker needs at least one address");
        }
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(keepAlive, "keepAlive");
        Objects.requireNonNull(reconnectDelay, "reconnectDelay");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(sessionExpiry, "sessionExpiry");
        if (sessionExpiry.toSeconds() < 1 || sessionExpiry.toSeconds() >= NEVER_EXPIRES_SECONDS) {
            throw new IllegalArgumentException("the session expiry must be at least 1 s and finite: " + sessionExpiry);
        }
    }

    /** Settings with the {@link #DEFAULT_SESSION_EXPIRY}. */
    public BrokerSettings(String name, List<URI> addresses, boolean roundRobin, int protocolVersion, int maxQos,
            String clientId, boolean cleanSession, Duration keepAlive, Duration reconnectDelay, Duration connectTimeout,
            Optional<Credentials> credentials, TlsSettings tls) {
        this(name, addresses, roundRobin, protocolVersion, maxQos, clientId, cleanSession, keepAlive, reconnectDelay,
                connectTimeout, credentials, tls, DEFAULT_SESSION_EXPIRY);
    }

    /** Username and password. The password never appears in {@link #toString()}. */
    public record Credentials(String username, String password) {
        @Override
        public String toString() {
            return "Credentials[username=" + username + ", password=" + (password == null ? "none" : "***") + "]";
        }
    }

    /**
     * TLS material (PEM text) and checks. Keys never appear in {@link #toString()}.
     *
     * @param caPem              trusted CA certificates; empty = the JVM's default trust store
     * @param clientCertificatePem client certificate chain for mTLS
     * @param clientKeyPem       the client certificate's private key
     * @param verifyServer       false disables certificate and hostname checks (explicit opt-out)
     */
    public record TlsSettings(
            Optional<String> caPem,
            Optional<String> clientCertificatePem,
            Optional<String> clientKeyPem,
            boolean verifyServer) {

        public static final TlsSettings DEFAULT = new TlsSettings(Optional.empty(), Optional.empty(), Optional.empty(), true);

        @Override
        public String toString() {
            return "TlsSettings[ca=" + caPem.isPresent() + ", clientCertificate=" + clientCertificatePem.isPresent()
                    + ", verifyServer=" + verifyServer + "]";
        }
    }
}
