package io.mqttreplicator.testing;

import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Properties;
import javax.net.ssl.SSLException;

/**
 * An embedded Moquette broker, every listener bound to 127.0.0.1: plain MQTT on {@link #port()}
 * (for test clients), MQTT over WebSocket on {@link #webSocketUrl()}, and, with a server
 * certificate, over secure WebSocket on {@link #secureWebSocketUrl()}. Mosquitto's WebSocket
 * listener would listen on every interface whatever its bind address, which the tests must not do.
 * <pre>
 * try (MoquetteBroker broker = MoquetteBroker.start("/broker/mqtt", ca.server("127.0.0.1"))) { ... }
 * </pre>
 */
public final class MoquetteBroker implements TestBroker {

    private final String webSocketPath;
    private final TestCertificates.Issued serverCertificate;
    private Server server;
    private int port;
    private int webSocketPort;
    private int secureWebSocketPort;

    private MoquetteBroker(String webSocketPath, TestCertificates.Issued serverCertificate) {
        this.webSocketPath = webSocketPath;
        this.serverCertificate = serverCertificate;
    }

    /** Plain MQTT and WebSocket on this path. */
    public static MoquetteBroker start(String webSocketPath) {
        return start(webSocketPath, null);
    }

    /** Plain MQTT, WebSocket and, if the certificate is not null, secure WebSocket, on this path. */
    public static MoquetteBroker start(String webSocketPath, TestCertificates.Issued serverCertificate) {
        MoquetteBroker broker = new MoquetteBroker(webSocketPath, serverCertificate);
        broker.bindAndStart();
        return broker;
    }

    @Override
    public int port() {
        return port;
    }

    /**
     * Moquette 0.17 marks a connection as connected only once its CONNACK has been written, and drops
     * a connection whose SUBSCRIBE or PUBLISH it reads before that: the client is retried until one
     * round trip succeeded.
     */
    @Override
    public TestMqttClient client() {
        return TestMqttClient.connectSettled(port);
    }

    public String webSocketUrl() {
        return "ws://127.0.0.1:" + webSocketPort + webSocketPath;
    }

    public String secureWebSocketUrl() {
        if (serverCertificate == null) {
            throw new IllegalStateException("this broker has no secure WebSocket listener");
        }
        return "wss://127.0.0.1:" + secureWebSocketPort + webSocketPath;
    }

    private void bindAndStart() {
        // another build on this machine may take a free port between the probe and the bind
        for (int attempt = 1; ; attempt++) {
            port = FreePorts.next();
            webSocketPort = FreePorts.next();
            secureWebSocketPort = serverCertificate == null ? 0 : FreePorts.next();
            Properties properties = new Properties();
            properties.setProperty("host", "127.0.0.1");
            properties.setProperty("port", Integer.toString(port));
            properties.setProperty("websocket_port", Integer.toString(webSocketPort));
            properties.setProperty("websocket_path", webSocketPath);
            if (serverCertificate != null) {
                properties.setProperty("secure_websocket_port", Integer.toString(secureWebSocketPort));
            }
            properties.setProperty("allow_anonymous", "true");
            properties.setProperty("persistence_enabled", "false");
            properties.setProperty("telemetry_enabled", "false");
            Server candidate = new Server();
            try {
                candidate.startServer(new MemoryConfig(properties), Collections.emptyList(), this::sslContext, null, null);
                server = candidate;
                return;
            } catch (IOException | RuntimeException e) {
                stopQuietly(candidate);
                if (attempt == 3) {
                    throw new IllegalStateException("Moquette did not start on 127.0.0.1:" + port + "/" + webSocketPort, e);
                }
            }
        }
    }

    private static void stopQuietly(Server partlyStarted) {
        try {
            partlyStarted.stopServer();
        } catch (RuntimeException alreadyDown) {
            // it failed while starting: there may be nothing to stop
        }
    }

    private SslContext sslContext() {
        try {
            return SslContextBuilder.forServer(
                    new ByteArrayInputStream(serverCertificate.certificatePem().getBytes(StandardCharsets.US_ASCII)),
                    new ByteArrayInputStream(serverCertificate.privateKeyPem().getBytes(StandardCharsets.US_ASCII)))
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("the test server certificate is not usable", e);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stopServer();
            server = null;
        }
    }

    @Override
    public String toString() {
        return "MoquetteBroker[" + url() + ", " + webSocketUrl() + "]";
    }
}
