package io.mqttreplicator.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A RabbitMQ node with its MQTT plugin (the Debian package {@code rabbitmq-server}, MQTT 3.1.1
 * only), a process of its own for tests: its own epmd, node name, Erlang cookie, configuration,
 * database and logs in its own directory (under {@code target/rabbitmq/} when run from Maven), and
 * every listener (epmd, AMQP, Erlang distribution, MQTT) bound to 127.0.0.1 on a free port. No
 * management plugin. Starting takes seconds to tens of seconds: share one per test class.
 * <p>
 * What RabbitMQ 3.10's MQTT plugin does differently, as seen by the tests: a retained message is
 * delivered to a new subscription only when its filter is the exact topic, never through a
 * wildcard; an empty retained message deletes the retained one; a QoS 2 PUBLISH closes the
 * connection (give the replicator {@code maxQos} 1); a QoS 2 subscription is granted QoS 1.
 * <p>
 * {@link #close()} sends SIGTERM to the {@code rabbitmq-server} script it started, which stops the
 * node gracefully, then stops the epmd it started; both by the processes it holds.
 */
public final class RabbitMqBroker implements TestBroker {

    public static final Path EXECUTABLE = Paths.get(System.getProperty("rabbitmq.executable",
            "/usr/lib/rabbitmq/bin/rabbitmq-server"));
    public static final Path EPMD = Paths.get(System.getProperty("epmd.executable", "/usr/bin/epmd"));
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path directory;
    private final String nodeName;
    private final int port;
    private volatile Process epmd;
    private volatile Process server;
    private final Thread cleanup = new Thread(this::destroyForcibly, "rabbitmq-broker-cleanup");

    private RabbitMqBroker(Path directory, String nodeName, int port) {
        this.directory = directory;
        this.nodeName = nodeName;
        this.port = port;
    }

    /** Whether the Debian package is installed here. */
    private static boolean installed() {
        return Files.isExecutable(EXECUTABLE) && Files.isExecutable(EPMD);
    }

    public static RabbitMqBroker start() {
        if (!installed()) {
            throw new IllegalStateException(EXECUTABLE + " is missing: apt-get install -y rabbitmq-server");
        }
        // another build on this machine may take one of the free ports between the probe and the bind
        for (int attempt = 1; ; attempt++) {
            String id = UUID.randomUUID().toString().substring(0, 8);
            RabbitMqBroker broker = new RabbitMqBroker(directory(id), "mqttrep-test-" + id + "@localhost", FreePorts.next());
            Runtime.getRuntime().addShutdownHook(broker.cleanup);
            try {
                broker.launch();
                return broker;
            } catch (RuntimeException e) {
                // a node that could not bind exits; one that is only slow is not helped by a retry
                boolean exited = broker.server != null && !broker.server.isAlive();
                broker.close();
                if (!exited || attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private static Path directory(String id) {
        try {
            Path base = Files.isDirectory(Paths.get("target")) ? Paths.get("target", "rabbitmq")
                    : Paths.get(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(base);
            return Files.createDirectories(base.toAbsolutePath().resolve("rabbitmq-" + id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() {
        int epmdPort = FreePorts.next();
        int nodePort = FreePorts.next();
        int distributionPort = FreePorts.next();
        try {
            Path config = directory.resolve("rabbitmq.conf");
            Files.writeString(config, String.join("\n",
                    "listeners.tcp.1 = 127.0.0.1:" + nodePort,
                    "mqtt.listeners.tcp.1 = 127.0.0.1:" + port,
                    "mqtt.allow_anonymous = true",
                    "log.console = false",
                    "log.file.level = info",
                    ""));
            Path plugins = directory.resolve("enabled_plugins");
            Files.writeString(plugins, "[rabbitmq_mqtt].\n");
            // an empty one, so that the machine's /etc/rabbitmq/rabbitmq-env.conf is not read
            Path environmentFile = directory.resolve("rabbitmq-env.conf");
            Files.writeString(environmentFile, "");

            epmd = new ProcessBuilder(EPMD.toString(), "-port", Integer.toString(epmdPort), "-address", "127.0.0.1")
                    .redirectErrorStream(true).redirectOutput(directory.resolve("epmd.out").toFile()).start();

            ProcessBuilder builder = new ProcessBuilder(EXECUTABLE.toString())
                    .directory(directory.toFile())
                    .redirectErrorStream(true).redirectOutput(directory.resolve("rabbitmq-server.out").toFile());
            Map<String, String> environment = builder.environment();
            // Erlang keeps its cookie in $HOME: this node's cookie stays in its directory
            environment.put("HOME", directory.toString());
            environment.put("ERL_EPMD_ADDRESS", "127.0.0.1");
            environment.put("ERL_EPMD_PORT", Integer.toString(epmdPort));
            environment.put("RABBITMQ_NODENAME", nodeName);
            environment.put("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
            environment.put("RABBITMQ_NODE_PORT", Integer.toString(nodePort));
            environment.put("RABBITMQ_DIST_PORT", Integer.toString(distributionPort));
            environment.put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}");
            environment.put("RABBITMQ_CONFIG_FILE", config.toString());
            environment.put("RABBITMQ_ADVANCED_CONFIG_FILE", directory.resolve("advanced.config").toString());
            environment.put("RABBITMQ_CONF_ENV_FILE", environmentFile.toString());
            environment.put("RABBITMQ_ENABLED_PLUGINS_FILE", plugins.toString());
            environment.put("RABBITMQ_MNESIA_BASE", directory.resolve("mnesia").toString());
            environment.put("RABBITMQ_LOG_BASE", directory.resolve("log").toString());
            server = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(500))
                    .until(() -> !server.isAlive() || acceptsMqtt());
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("RabbitMQ " + nodeName + " did not accept MQTT on 127.0.0.1:" + port
                    + " within " + START_TIMEOUT.toSeconds() + " s; see " + directory, e);
        }
        if (!server.isAlive()) {
            throw new IllegalStateException("rabbitmq-server exited with " + server.exitValue() + "; see " + directory);
        }
    }

    private boolean acceptsMqtt() {
        try {
            TestMqttClient.connect(port).close();
            return true;
        } catch (IllegalStateException notYet) {
            return false;
        }
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void close() {
        stop(server);
        stop(epmd);
        server = null;
        epmd = null;
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it finds nothing left to stop
        }
    }

    private static void stop(Process process) {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                destroyForcibly(process);
                process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void destroyForcibly() {
        Stream.of(server, epmd).filter(Objects::nonNull).forEach(RabbitMqBroker::destroyForcibly);
    }

    /** The script runs the Erlang VM as its child: the VM and its helpers go first. */
    private static void destroyForcibly(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    @Override
    public String toString() {
        return "RabbitMqBroker[" + nodeName + ", " + url() + "]";
    }
}
