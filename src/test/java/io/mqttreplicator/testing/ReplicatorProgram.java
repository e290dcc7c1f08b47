package io.mqttreplicator.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The packaged replicator ({@code target/quarkus-app/quarkus-run.jar}, built by {@code ./mvnw package})
 * started as a user would: {@code java -jar} with nothing but the given environment variables from
 * the MQTTREP_* contract (inherited MQTTREP_* and MQTT_REPLICATOR_* variables are removed).
 * <pre>
 * try (ReplicatorProgram replicator = ReplicatorProgram.start("kill", Map.of("MQTTREP_CLIENT_a", ...))) {
 *     replicator.kill();     // SIGKILL, as in a crash
 *     replicator.restart();  // same variables, same directory
 * }
 * </pre>
 * Every start appends its stdout and stderr to {@code stdout} and {@code stderr} in its directory, so
 * {@link #output()} holds everything the program ever printed. A JVM shutdown hook kills a program a
 * test forgot to close.
 */
public final class ReplicatorProgram implements AutoCloseable {

    public static final Path JAR = Paths.get("target", "quarkus-app", "quarkus-run.jar");
    /**
     * The JVM options the image starts the program with (its JAVA_OPTS) under the Deployment's 512 MiB
     * limit ({@code -XX:MaxRAM} stands for the container's limit, which the JVM reads from its
     * cgroup); {@code ImageJvmOptionsTest} keeps them in line with the image and the Deployment.
     */
    public static final String IMAGE_JVM_OPTIONS = "-XX:MaxRAM=512m -XX:MaxRAMPercentage=50 -XX:InitialRAMPercentage=25"
            + " -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
            + " -XX:+ExitOnOutOfMemoryError";
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(process -> {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }), "replicator-program-cleanup"));
    }

    private final Path directory;
    private final Map<String, String> environment;
    private final List<String> jvmOptions;
    private Process process;
    private int starts;

    private ReplicatorProgram(Path directory, Map<String, String> environment, List<String> jvmOptions) {
        this.directory = directory;
        this.environment = Map.copyOf(environment);
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /**
     * Starts the program in a new directory named after {@code name} (under {@code target/replicator/}
     * when run from Maven, kept after the test for diagnosis); the HTTP server goes to a free
     * 127.0.0.1 port unless the variables say otherwise.
     */
    public static ReplicatorProgram start(String name, Map<String, String> environment) {
        return start(name, environment, List.of());
    }

    /** {@link #start(String, Map)} with these JVM options, e.g. {@link #IMAGE_JVM_OPTIONS} split at spaces. */
    public static ReplicatorProgram start(String name, Map<String, String> environment, List<String> jvmOptions) {
        try {
            Path base = Files.isDirectory(Paths.get("target")) ? Paths.get("target", "replicator")
                    : Paths.get(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(base);
            return start(Files.createTempDirectory(base.toAbsolutePath(), name + "-"), environment, jvmOptions);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ReplicatorProgram start(Path directory, Map<String, String> environment, List<String> jvmOptions) {
        ReplicatorProgram program = new ReplicatorProgram(directory, environment, jvmOptions);
        program.launch();
        return program;
    }

    public Path directory() {
        return directory;
    }

    /** The process started: with no heap option among the JVM options, the launcher of the JVM that replicates. */
    public synchronized long pid() {
        return process.pid();
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** How many times the program was started. */
    public synchronized int starts() {
        return starts;
    }

    /**
     * SIGKILL, as in a crash: nothing is acknowledged, closed or flushed. Started with no heap option,
     * the program runs in a child JVM, which is killed first. Waits until the process is gone.
     */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        waitForExit();
    }

    /** SIGTERM, and waits until the program has stopped (SIGKILL after 30 s). */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        waitForExit();
    }

    /** Starts the program again with the same variables (after {@link #kill()} or {@link #stop()}). */
    public synchronized void restart() {
        stop();
        launch();
    }

    /**
     * Messages forwarded so far, over every broker and rule, from the program's /q/metrics; needs a
     * {@code QUARKUS_HTTP_PORT} in its variables.
     */
    public double forwardedMessages() {
        return forwardedMessages(Map.of());
    }

    /** {@link #forwardedMessages()} of the series with these tags, e.g. {@code replication}. */
    public double forwardedMessages(Map<String, String> tags) {
        String port = environment.get("QUARKUS_HTTP_PORT");
        if (port == null || port.equals("0")) {
            throw new IllegalStateException("no fixed QUARKUS_HTTP_PORT for the program in " + directory);
        }
        try {
            String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            return PrometheusScrape.parse(text).find("mqttrep_messages_forwarded_total", tags).stream()
                    .mapToDouble(PrometheusScrape.Sample::value).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Everything printed so far, stdout then stderr, across starts. */
    public String output() {
        return read("stdout") + read("stderr");
    }

    /** Waits until the output contains the text {@code times} times or more. */
    public void awaitOutput(String text, int times, Duration timeout) {
        await("replicator output containing '" + text + "' " + times + " times").atMost(timeout)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> countInOutput(text) >= times);
    }

    /** How many lines of the output contain the text. */
    public long countInOutput(String text) {
        return output().lines().filter(line -> line.contains(text)).count();
    }

    @Override
    public void close() {
        stop();
    }

    private void waitForExit() {
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RUNNING.remove(process);
        process = null;
    }

    private synchronized void launch() {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: build it with ./mvnw package");
        }
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(JAR.toAbsolutePath().toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("stdout").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(directory.resolve("stderr").toFile()));
        builder.environment().keySet().removeIf(name -> name.startsWith("MQTTREP_") || name.startsWith("MQTT_REPLICATOR_"));
        builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        builder.environment().put("QUARKUS_HTTP_PORT", "0");
        builder.environment().putAll(environment);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RUNNING.add(process);
        starts++;
    }

    private String read(String name) {
        Path file = directory.resolve(name);
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
