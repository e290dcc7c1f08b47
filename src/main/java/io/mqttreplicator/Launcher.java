package io.mqttreplicator;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The program's entry point. It runs {@link Main} in this JVM, or, when the JVM was left to size the
 * heap for the whole machine, in a child JVM with a bounded heap ({@link HeapBound}): it then passes
 * on the child's exit code, and a SIGTERM or Ctrl+C stops the child before the launcher ends.
 */
@QuarkusMain
public final class Launcher {

    private static final long CHILD_STOP_SECONDS = 60;

    private Launcher() {
    }

    public static void main(String... args) {
        if (LaunchMode.current() == LaunchMode.NORMAL && System.getProperty("org.graalvm.nativeimage.imagecode") == null
                && System.getenv(HeapBound.LAUNCHER_VARIABLE) == null) {
            Optional<List<String>> command = HeapBound.defaultHeapCommand(
                    ManagementFactory.getRuntimeMXBean().getInputArguments(), Runtime.getRuntime().maxMemory(), commandLine());
            if (command.isPresent()) {
                runChild(command.get()).ifPresent(System::exit);
            }
        }
        Quarkus.run(Main.class, args);
    }

    private static Optional<List<String>> commandLine() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        if (info.command().isEmpty() || info.arguments().isEmpty()) {
            return Optional.empty();
        }
        List<String> commandLine = new ArrayList<>();
        commandLine.add(info.command().get());
        commandLine.addAll(List.of(info.arguments().get()));
        return Optional.of(commandLine);
    }

    /** The child's exit code, or empty when it could not be started (the program then runs in this JVM). */
    private static Optional<Integer> runChild(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put(HeapBound.LAUNCHER_VARIABLE, Long.toString(ProcessHandle.current().pid()));
        Process child;
        try {
            child = builder.start();
        } catch (IOException e) {
            System.err.println("mqtt-replicator: could not start a JVM with a bounded heap (" + e.getMessage()
                    + "); running in this one, with the heap the JVM chose");
            return Optional.empty();
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(child), "mqtt-replicator-child-stop"));
        try {
            return Optional.of(child.waitFor());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(child);
            return Optional.of(1);
        }
    }

    private static void stop(Process child) {
        child.destroy();
        try {
            if (!child.waitFor(CHILD_STOP_SECONDS, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        } catch (InterruptedException e) {
            child.destroyForcibly();
        }
    }
}
