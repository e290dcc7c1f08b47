package io.mqttreplicator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.remoting.server.RemotingService;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.ActiveMQServers;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.spi.core.remoting.Acceptor;

/**
 * An embedded ActiveMQ Artemis broker speaking only MQTT (3.1.1 and 5) on one acceptor bound to
 * 127.0.0.1, anonymous, persistence off; its folders live under {@code target/artemis/} when run
 * from Maven. Should Artemis's advisory topics ({@code ActiveMQ/…}) reach an MQTT subscription,
 * the engine ignores them.
 */
public final class ArtemisBroker implements TestBroker {

    private static final String ACCEPTOR = "mqtt";

    /**
     * Artemis's audit loggers write several lines per MQTT packet at INFO, which would bury the
     * test's own output; held here so the levels are not lost with the loggers.
     */
    private static final List<Logger> QUIET_LOGGERS = atWarning("org.apache.activemq.audit", "org.apache.activemq.artemis");

    private final ActiveMQServer server;
    private final int port;

    private ArtemisBroker(ActiveMQServer server, int port) {
        this.server = server;
        this.port = port;
    }

    public static ArtemisBroker start() {
        // another build on this machine may take a free port between the probe and the bind
        for (int attempt = 1; ; attempt++) {
            int port = FreePorts.next();
            ActiveMQServer server = ActiveMQServers.newActiveMQServer(configuration(port), false);
            try {
                server.start();
                if (acceptorStarted(server)) {
                    return new ArtemisBroker(server, port);
                }
                stopQuietly(server);
                if (attempt == 3) {
                    throw new IllegalStateException("Artemis did not listen on 127.0.0.1:" + port);
                }
            } catch (Exception e) {
                stopQuietly(server);
                if (attempt == 3) {
                    throw new IllegalStateException("Artemis did not start on 127.0.0.1:" + port, e);
                }
            }
        }
    }

    private static Configuration configuration(int port) {
        Path directory = directory();
        Configuration configuration = new ConfigurationImpl()
                .setName("artemis-" + port)
                .setPersistenceEnabled(false)
                .setSecurityEnabled(false)
                .setJMXManagementEnabled(false)
                .setJournalDirectory(directory.resolve("journal").toString())
                .setBindingsDirectory(directory.resolve("bindings").toString())
                .setPagingDirectory(directory.resolve("paging").toString())
                .setLargeMessagesDirectory(directory.resolve("large-messages").toString())
                // as in the broker.xml Artemis generates: without them it warns about every new queue
                .addAddressSetting("#", new AddressSettings()
                        .setDeadLetterAddress(SimpleString.of("DLQ"))
                        .setExpiryAddress(SimpleString.of("ExpiryQueue")));
        configuration.setBrokerInstance(directory.toFile());
        try {
            configuration.addAcceptorConfiguration(ACCEPTOR, "tcp://127.0.0.1:" + port + "?protocols=MQTT");
        } catch (Exception e) {
            throw new IllegalStateException("bad acceptor URI", e);
        }
        return configuration;
    }

    private static Path directory() {
        try {
            Path base = Files.isDirectory(Paths.get("target")) ? Paths.get("target", "artemis")
                    : Paths.get(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(base);
            return Files.createTempDirectory(base.toAbsolutePath(), "artemis-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A failed bind need not fail {@code start()}: the acceptor itself says whether it listens. */
    private static boolean acceptorStarted(ActiveMQServer server) {
        RemotingService remoting = server.getRemotingService();
        Acceptor acceptor = remoting == null ? null : remoting.getAcceptor(ACCEPTOR);
        return acceptor != null && acceptor.isStarted();
    }

    private static void stopQuietly(ActiveMQServer partlyStarted) {
        try {
            partlyStarted.stop();
        } catch (Exception alreadyDown) {
            // it failed while starting: there may be nothing to stop
        }
    }

    private static List<Logger> atWarning(String... categories) {
        List<Logger> loggers = Stream.of(categories).map(Logger::getLogger).toList();
        loggers.forEach(logger -> logger.setLevel(Level.WARNING));
        return loggers;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Artemis did not stop", e);
        }
    }

    @Override
    public String toString() {
        return "ArtemisBroker[" + url() + "]";
    }
}
