package io.mqttreplicator.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real Mosquitto broker process for tests, listening on 127.0.0.1 on a free port.
 * <pre>
 * try (MosquittoBroker broker = MosquittoBroker.start()) { ... broker.url() ... }
 * try (MosquittoBroker broker = MosquittoBroker.builder().persistence(true).user("alice", "secret")
 *         .allowAnonymous(false).config("max_inflight_messages 100").start()) { ... }
 * try (MosquittoBroker broker = MosquittoBroker.builder().tls(ca.certificatePem(), ca.server("127.0.0.1"))
 *         .tlsUser("alice", "secret").start()) { ... broker.tlsUrl() ... }
 * </pre>
 * With {@link Builder#tls}, the broker has a second listener, with TLS, on {@link #tlsPort()}; its
 * access rules are its own ({@code per_listener_settings}), so test clients keep using the plain
 * listener as configured.
 * Each broker gets its own directory (under {@code target/mosquitto/} when run from Maven) holding
 * the generated {@code mosquitto.conf}, the log {@code mosquitto.log} (kept after the test for
 * diagnosis, appended across restarts), the process's own output {@code mosquitto.out}, the password
 * file and the persistence data.
 * {@link #stop()} sends SIGTERM (Mosquitto saves its persistence then), {@link #kill()} SIGKILL
 * (nothing saved since the last autosave: add {@code autosave_interval 1} if a test needs it), and
 * {@link #restart()} starts it again on the same port. A JVM shutdown hook kills brokers a test
 * forgot to close.
 */
public final class MosquittoBroker implements TestBroker {

    public static final Path EXECUTABLE = Paths.get(System.getProperty("mosquitto.executable", "/usr/sbin/mosquitto"));
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern RUNNING = Pattern.compile("mosquitto version \\S+ running");
    private static final Pattern REPLICATOR_CONNECTED = Pattern.compile(" as (\\S+_mqttreplicator_\\S+) \\(");
    private static final Set<Process> RUNNING_PROCESSES = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING_PROCESSES.forEach(Process::destroyForcibly),
                "mosquitto-broker-cleanup"));
    }

    private final Path directory;
    private final Path configFile;
    private final Path logFile;
    private final Path outputFile;
    private List<String> configLines;
    private final List<String> tlsListenerLines;
    private int port;
    private int tlsPort;
    private Process process;

    private MosquittoBroker(Path directory, List<String> configLines, List<String> tlsListenerLines) {
        this.directory = directory;
        this.configFile = directory.resolve("mosquitto.conf");
        this.logFile = directory.resolve("mosquitto.log");
        this.outputFile = directory.resolve("mosquitto.out");
        this.configLines = List.copyOf(configLines);
        this.tlsListenerLines = List.copyOf(tlsListenerLines);
    }

    /** A broker with default settings: anonymous access, no persistence. */
    public static MosquittoBroker start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public int port() {
        return port;
    }

    /** The port of the TLS listener; only with {@link Builder#tls}. */
    public int tlsPort() {
        if (tlsListenerLines.isEmpty()) {
            throw new IllegalStateException("this broker has no TLS listener");
        }
        return tlsPort;
    }

    /** {@code mqtts://127.0.0.1:<tls port>} */
    public String tlsUrl() {
        return "mqtts://127.0.0.1:" + tlsPort();
    }

    public Path directory() {
        return directory;
    }

    public Path logFile() {
        return logFile;
    }

    /** The client id of the replicator's first connection in a Mosquitto log (this one's, or a container's). */
    public static String replicatorClientId(String log) {
        Matcher matcher = REPLICATOR_CONNECTED.matcher(log);
        if (!matcher.find()) {
            throw new AssertionError("the replicator never connected; the broker's log:\n" + log);
        }
        return matcher.group(1);
    }

    /** The whole log, across restarts. */
    public String log() {
        return read(logFile);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many log lines contain the text. */
    public long countInLog(String text) {
        return log().lines().filter(line -> line.contains(text)).count();
    }

    /** How many times a client with this id connected successfully (CONNACK accepted). */
    public long connectionsOf(String clientId) {
        return log().lines().filter(line -> line.contains("New client connected from ")
                && line.contains(" as " + clientId + " (")).count();
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** SIGTERM, and waits until the process has ended. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        RUNNING_PROCESSES.remove(process);
        process = null;
    }

    /** SIGKILL, as in a crash, and waits until the process has ended. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RUNNING_PROCESSES.remove(process);
        process = null;
    }

    /** Stops the broker if it runs and starts it again on the same port with the same configuration. */
    public synchronized void restart() {
        stop();
        launch();
    }

    /**
     * {@link #restart()} with these configuration lines from now on, after the others (for an option
     * given twice, Mosquitto takes the later), as when an operator changes the broker's settings.
     */
    public synchronized void restartWith(String... lines) {
        List<String> changed = new ArrayList<>(configLines);
        changed.addAll(List.of(lines));
        configLines = List.copyOf(changed);
        restart();
    }

    @Override
    public void close() {
        stop();
    }

    private synchronized void bindAndLaunch() {
        // another build on this machine may take the free port between the probe and the bind
        for (int attempt = 1; ; attempt++) {
            port = FreePorts.next();
            tlsPort = tlsListenerLines.isEmpty() ? 0 : FreePorts.next();
            try {
                launch();
                return;
            } catch (IllegalStateException e) {
                if (attempt == 3 || !(log() + read(outputFile)).contains("Address already in use")) {
                    throw e;
                }
            }
        }
    }

    private synchronized void launch() {
        List<String> lines = new ArrayList<>();
        if (!tlsListenerLines.isEmpty()) {
            lines.add("per_listener_settings true");
        }
        lines.add("listener " + port + " 127.0.0.1");
        // a file, not stdout: Mosquitto flushes its log file after every line
        lines.add("log_dest file " + logFile);
        lines.addAll(configLines);
        if (!tlsListenerLines.isEmpty()) {
            lines.add("listener " + tlsPort + " 127.0.0.1");
            lines.addAll(tlsListenerLines);
        }
        try {
            Files.write(configFile, lines, StandardCharsets.UTF_8);
            long logOffset = Files.exists(logFile) ? Files.size(logFile) : 0;
            process = new ProcessBuilder(EXECUTABLE.toString(), "-c", configFile.toString())
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(outputFile.toFile()))
                    .start();
            RUNNING_PROCESSES.add(process);
            Process started = process;
            await("mosquitto on port " + port + " running")
                    .atMost(START_TIMEOUT)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(20))
                    .failFast("mosquitto exited", () -> !started.isAlive())
                    .until(() -> RUNNING.matcher(logSince(logOffset)).find());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
            if (process != null) {
                process.destroyForcibly();
                RUNNING_PROCESSES.remove(process);
                process = null;
            }
            throw new IllegalStateException("mosquitto did not start on port " + port + "; log " + logFile + ":\n"
                    + tail(log()) + "\noutput " + outputFile + ":\n" + tail(read(outputFile)), e);
        }
    }

    private String logSince(long offset) throws IOException {
        if (!Files.exists(logFile)) {
            return "";
        }
        byte[] all = Files.readAllBytes(logFile);
        return new String(all, (int) Math.min(offset, all.length), (int) Math.max(all.length - offset, 0),
                StandardCharsets.UTF_8);
    }

    private static String tail(String log) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    @Override
    public String toString() {
        return "MosquittoBroker[" + url() + ", " + directory + "]";
    }

    public static final class Builder {
        private boolean persistence;
        private boolean allowAnonymous = true;
        private final List<String[]> users = new ArrayList<>();
        private final List<String> extraConfig = new ArrayList<>();
        private String name = "mosquitto";
        private String tlsCaPem;
        private TestCertificates.Issued tlsServerCertificate;
        private boolean tlsClientCertificateRequired;
        private final List<String[]> tlsUsers = new ArrayList<>();

        private Builder() {
        }

        /** Keep sessions and retained messages in a data directory across stop/restart. */
        public Builder persistence(boolean persistence) {
            this.persistence = persistence;
            return this;
        }

        public Builder allowAnonymous(boolean allowAnonymous) {
            this.allowAnonymous = allowAnonymous;
            return this;
        }

        /** Adds a user to a password file made with {@code mosquitto_passwd -b}. */
        public Builder user(String username, String password) {
            users.add(new String[] {username, password});
            return this;
        }

        /** Extra lines for mosquitto.conf (they apply to the listener, e.g. {@code max_inflight_messages 10}). */
        public Builder config(String... lines) {
            extraConfig.addAll(List.of(lines));
            return this;
        }

        /**
         * Adds a TLS listener on its own port with this server certificate, trusting client
         * certificates signed by the CA. Anonymous clients are refused there unless no user and no
         * client certificate is required.
         */
        public Builder tls(String caPem, TestCertificates.Issued serverCertificate) {
            this.tlsCaPem = caPem;
            this.tlsServerCertificate = serverCertificate;
            return this;
        }

        /** The TLS listener requires a client certificate and takes its common name as the user name. */
        public Builder tlsClientCertificateRequired() {
            this.tlsClientCertificateRequired = true;
            return this;
        }

        /** A user of the TLS listener (its own password file). */
        public Builder tlsUser(String username, String password) {
            tlsUsers.add(new String[] {username, password});
            return this;
        }

        /** A name for the broker's directory, to find its log. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public MosquittoBroker start() {
            try {
                Path base = Files.isDirectory(Paths.get("target")) ? Paths.get("target", "mosquitto")
                        : Paths.get(System.getProperty("java.io.tmpdir"));
                Files.createDirectories(base);
                Path directory = Files.createTempDirectory(base.toAbsolutePath(), name + "-");
                List<String> lines = new ArrayList<>();
                lines.add("allow_anonymous " + allowAnonymous);
                if ("root".equals(System.getProperty("user.name"))) {
                    lines.add("user root"); // else Mosquitto drops to user 'mosquitto', who cannot write here
                }
                lines.add("log_type error");
                lines.add("log_type warning");
                lines.add("log_type notice");
                lines.add("log_type information");
                lines.add("connection_messages true");
                lines.add("log_timestamp true");
                lines.add("log_timestamp_format %Y-%m-%dT%H:%M:%S");
                if (persistence) {
                    Path data = Files.createDirectories(directory.resolve("data"));
                    lines.add("persistence true");
                    lines.add("persistence_location " + data + "/");
                }
                if (!users.isEmpty()) {
                    lines.add("password_file " + passwordFile(directory.resolve("passwords"), users));
                }
                lines.addAll(extraConfig);
                MosquittoBroker broker = new MosquittoBroker(directory, lines, tlsListenerLines(directory));
                broker.bindAndLaunch();
                return broker;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private List<String> tlsListenerLines(Path directory) throws IOException {
            if (tlsServerCertificate == null) {
                return List.of();
            }
            List<String> lines = new ArrayList<>();
            lines.add("cafile " + Files.writeString(directory.resolve("ca.pem"), tlsCaPem));
            lines.add("certfile " + Files.writeString(directory.resolve("server.pem"), tlsServerCertificate.certificatePem()));
            lines.add("keyfile " + Files.writeString(directory.resolve("server.key"), tlsServerCertificate.privateKeyPem()));
            if (tlsClientCertificateRequired) {
                lines.add("require_certificate true");
                lines.add("use_identity_as_username true");
            }
            if (!tlsUsers.isEmpty()) {
                lines.add("password_file " + passwordFile(directory.resolve("tls-passwords"), tlsUsers));
            }
            lines.add("allow_anonymous " + (tlsUsers.isEmpty() && !tlsClientCertificateRequired));
            return lines;
        }

        private static Path passwordFile(Path file, List<String[]> users) throws IOException {
            for (String[] user : users) {
                if (Files.exists(file)) {
                    run(passwordExecutable(), "-b", file.toString(), user[0], user[1]);
                } else {
                    run(passwordExecutable(), "-c", "-b", file.toString(), user[0], user[1]);
                }
            }
            return file;
        }

        private static String passwordExecutable() {
            Path sibling = EXECUTABLE.getParent().resolveSibling("bin").resolve("mosquitto_passwd");
            return Files.isExecutable(sibling) ? sibling.toString() : "mosquitto_passwd";
        }

        private static void run(String... command) throws IOException {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                    throw new IllegalStateException(command[0] + " failed: "
                            + new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }
}
