package io.mqttreplicator;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The heap of a replicator started with no heap option. The JVM would bound it at a quarter of the
 * machine's memory (6 GiB on a 24 GiB machine) and let it grow towards that, while the replicator
 * needs about 256 MiB. A JVM cannot lower its own bound, so the program runs itself once more in a
 * child JVM with {@link #DEFAULT_HEAP}, the serial collector and C1 only, and waits for it: the
 * container image's choices for its 512 MiB limit. Any heap option, in the command or in
 * JDK_JAVA_OPTIONS or JAVA_TOOL_OPTIONS, is taken as the user's choice and left alone, and so is a
 * JVM whose own bound is small already (a small container).
 */
final class HeapBound {

    static final String DEFAULT_HEAP = "-Xmx256m";
    /** Above this bound of the JVM's own choosing, the program runs in a child JVM with the default. */
    static final long DEFAULT_ABOVE_BYTES = 512L << 20;
    /** Set for the child JVM: the launching JVM's process id, which the child outlives by 5 s at most. */
    static final String LAUNCHER_VARIABLE = "MQTT_REPLICATOR_LAUNCHER_PID";

    private static final List<String> HEAP_OPTIONS = List.of("-Xmx", "-XX:MaxHeapSize=", "-XX:MaxRAM=",
            "-XX:MaxRAMPercentage=", "-XX:MaxRAMFraction=");

    private HeapBound() {
    }

    /**
     * The command that runs this program in a child JVM with the default heap, or empty when it keeps
     * the JVM it has.
     *
     * @param jvmArguments the JVM's arguments ({@code RuntimeMXBean.getInputArguments()}, which include
     *     JDK_JAVA_OPTIONS and JAVA_TOOL_OPTIONS)
     * @param maxHeapBytes the JVM's heap bound ({@code Runtime.maxMemory()})
     * @param commandLine this process's command line, the executable first, when the platform tells it
     */
    static Optional<List<String>> defaultHeapCommand(List<String> jvmArguments, long maxHeapBytes,
            Optional<List<String>> commandLine) {
        if (jvmArguments.stream().anyMatch(argument -> HEAP_OPTIONS.stream().anyMatch(argument::startsWith))
                || maxHeapBytes <= DEFAULT_ABOVE_BYTES || commandLine.isEmpty()) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>();
        command.add(commandLine.get().get(0));
        command.add(DEFAULT_HEAP);
        // an option the user gave for the collector or the compiler stays, and alone: two collectors stop the JVM
        if (jvmArguments.stream().noneMatch(argument -> argument.matches("-XX:[+-]Use\\w*GC"))) {
            command.add("-XX:+UseSerialGC");
        }
        if (jvmArguments.stream().noneMatch(argument -> argument.startsWith("-XX:TieredStopAtLevel=")
                || argument.endsWith("TieredCompilation") || argument.equals("-Xint") || argument.equals("-Xcomp"))) {
            command.add("-XX:TieredStopAtLevel=1");
        }
        command.addAll(commandLine.get().subList(1, commandLine.get().size()));
        return Optional.of(command);
    }

    /**
     * In the child JVM: runs {@code stop} once the launching JVM with this process id has ended, which
     * happens first only when it was killed (it waits for the child otherwise), so that the child does
     * not go on alone. The JDK looks for the end of a process that is not a child every 0.3 to 5 s.
     * Nothing happens for a value that is not a process id.
     */
    static void stopWithLauncher(String launcherPid, Runnable stop) {
        long pid;
        try {
            pid = Long.parseLong(launcherPid);
        } catch (NumberFormatException e) {
            return;
        }
        ProcessHandle.of(pid).map(ProcessHandle::onExit).orElse(CompletableFuture.completedFuture(null))
                .thenRun(stop);
    }
}
