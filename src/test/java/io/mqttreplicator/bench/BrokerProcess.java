package io.mqttreplicator.bench;

import io.mqttreplicator.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** A Mosquitto broker started by the benchmark on a free 127.0.0.1 port, with a generated configuration. */
final class BrokerProcess implements AutoCloseable {

    /** An outgoing bridge to another broker, as configured on this broker. */
    record Bridge(int remotePort, int qos, boolean cleanSession, String clientId) {
    }

    /** Limits written into every broker's configuration, identical for both setups. */
    record Limits(int maxInflightMessages, int maxQueuedMessages) {
    }

    private final String name;
    private final int port;
    private final Process process;
    private final Path log;

    private BrokerProcess(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    static BrokerProcess start(String mosquitto, String name, Path dir, Limits limits, Optional<Bridge> bridge) {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = FreePorts.next();
            try {
                Path config = dir.resolve(name + ".conf");
                Files.writeString(config, config(port, limits, bridge));
                Path log = dir.resolve(name + ".log");
                Process process = OwnedProcesses.register(new ProcessBuilder(mosquitto, "-c", config.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start());
                BrokerProcess broker = new BrokerProcess(name, port, process, log);
                if (broker.awaitListening(Duration.ofSeconds(10))) {
                    return broker;
                }
                broker.close();
                last = new IOException("mosquitto " + name + " did not listen on " + port + ": " + broker.logTail());
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException("could not start mosquitto " + name, last);
    }

    static String config(int port, Limits limits, Optional<Bridge> bridge) {
        StringBuilder conf = new StringBuilder()
                .append("listener ").append(port).append(" 127.0.0.1\n")
                .append("allow_anonymous true\n")
                .append("persistence false\n")
                .append("max_inflight_messages ").append(limits.maxInflightMessages()).append('\n')
                .append("max_queued_messages ").append(limits.maxQueuedMessages()).append('\n')
                .append("max_queued_bytes 0\n")
                .append("log_dest stderr\n")
                .append("log_type error\nlog_type warning\nlog_type notice\nlog_type information\n")
                .append("log_timestamp_format %Y-%m-%dT%H:%M:%S\n");
        bridge.ifPresent(b -> conf
                .append("\nconnection bench\n")
                .append("address 127.0.0.1:").append(b.remotePort()).append('\n')
                .append("topic bench/# out ").append(b.qos()).append('\n')
                .append("cleansession ").append(b.cleanSession()).append('\n')
                .append("remote_clientid ").append(b.clientId()).append('\n')
                .append("local_clientid ").append(b.clientId()).append("-local\n")
                .append("bridge_protocol_version mqttv311\n")
                .append("notifications false\n")
                .append("start_type automatic\n")
                .append("restart_timeout 1 5\n"));
        return conf.toString();
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    String logTail() {
        try {
            String text = Files.readString(log);
            return text.substring(Math.max(0, text.length() - 1000));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        OwnedProcesses.stop(process, Duration.ofSeconds(10));
    }

    private boolean awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException notYet) {
                Sleep.millis(50);
            }
        }
        return false;
    }

}
