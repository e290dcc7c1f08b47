package io.mqttreplicator.testing;

import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An embedded HiveMQ Community Edition broker (MQTT 3.1.1 and MQTT 5), its TCP listener bound to
 * 127.0.0.1, data in memory. Its folders live under {@code target/hivemq/} when run from Maven.
 */
public final class HiveMqBroker implements TestBroker {

    private final EmbeddedHiveMQ hivemq;
    private final int port;

    private HiveMqBroker(EmbeddedHiveMQ hivemq, int port) {
        this.hivemq = hivemq;
        this.port = port;
    }

    public static HiveMqBroker start() {
        for (int attempt = 1; ; attempt++) {
            int port = FreePorts.next();
            try {
                Path base = Files.isDirectory(Paths.get("target")) ? Paths.get("target", "hivemq")
                        : Paths.get(System.getProperty("java.io.tmpdir"));
                Files.createDirectories(base);
                Path directory = Files.createTempDirectory(base.toAbsolutePath(), "hivemq-");
                Path configuration = Files.createDirectories(directory.resolve("conf"));
                Files.writeString(configuration.resolve("config.xml"), """
                        <?xml version="1.0"?>
                        <hivemq>
                            <listeners>
                                <tcp-listener>
                                    <port>%d</port>
                                    <bind-address>127.0.0.1</bind-address>
                                </tcp-listener>
                            </listeners>
                            <persistence>
                                <mode>in-memory</mode>
                            </persistence>
                            <mqtt>
                                <queued-messages>
                                    <!-- the default, 1000 with the discard strategy, drops a fast publisher's messages -->
                                    <max-queue-size>200000</max-queue-size>
                                </queued-messages>
                            </mqtt>
                            <anonymous-usage-statistics>
                                <enabled>false</enabled>
                            </anonymous-usage-statistics>
                        </hivemq>
                        """.formatted(port));
                EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                        .withConfigurationFolder(configuration)
                        .withDataFolder(Files.createDirectories(directory.resolve("data")))
                        .withExtensionsFolder(Files.createDirectories(directory.resolve("extensions")))
                        .withoutLoggingBootstrap()
                        .build();
                try {
                    hivemq.start().get(60, TimeUnit.SECONDS);
                    return new HiveMqBroker(hivemq, port);
                } catch (ExecutionException | TimeoutException e) {
                    hivemq.close();
                    if (attempt == 3) {
                        throw new IllegalStateException("HiveMQ CE did not start on 127.0.0.1:" + port, e);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void close() {
        try {
            hivemq.close();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "HiveMqBroker[" + url() + "]";
    }
}
