package io.mqttreplicator.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A replicator process configured only by {@code MQTTREP_*} environment variables (the MQTT_Replicator contract),
 * its stdout and stderr in a log file: the product under test ({@code java -jar quarkus-run.jar}) or the Node.js
 * MQTT_Replicator it is compared with ({@code node index.js}).
 */
final class ReplicatorProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private ReplicatorProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static ReplicatorProcess start(String java, Path jar, List<String> jvmOptions, Map<String, String> env, Path log) {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        return start(command, env, log);
    }

    /** Starts {@code command} in the log's directory with {@code env} and no other replication variables. */
    static ReplicatorProcess start(List<String> command, Map<String, String> env, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(log.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // nothing from the caller's environment may add rules or brokers to the measured replication
        builder.environment().keySet().removeIf(name -> name.startsWith("MQTTREP_") || name.startsWith("MQTT_REPLICATOR_"));
        // its HTTP server (health, metrics) on loopback and any free port: 8080 may be taken, by another benchmark among others
        builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        builder.environment().put("QUARKUS_HTTP_PORT", "0");
        builder.environment().putAll(env);
        try {
            Files.writeString(log, "");
            return new ReplicatorProcess(OwnedProcesses.register(builder.start()), log);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + command, e);
        }
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

    String exitDescription() {
        return process.isAlive() ? "running" : "exited with code " + process.exitValue();
    }

    /** SIGKILL, as in a crash, of the process and of the JVM it runs the replicator in, if any; waits until it is gone. */
    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        OwnedProcesses.stop(process, Duration.ofSeconds(15));
    }
}
