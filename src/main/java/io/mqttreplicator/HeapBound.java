package io.mqttreplicator;

import java.util.List;
import java.util.Optional;

/**
 * Whether the JVM was left to size the heap for the whole machine. Without a heap option the JVM
 * bounds the heap at a quarter of the machine's memory and lets it grow towards that, while the
 * replicator needs about 256 MiB (the container image bounds it at half its memory limit). A
 * program cannot change its own heap bound once started, so it says so at start, with the options
 * to use.
 */
final class HeapBound {

    /** Above this bound, chosen by the JVM, the program warns. */
    static final long WARN_ABOVE_BYTES = 1L << 30;
    static final String OPTIONS = "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

    private static final List<String> HEAP_OPTIONS = List.of("-Xmx", "-XX:MaxHeapSize=", "-XX:MaxRAM=",
            "-XX:MaxRAMPercentage=", "-XX:MaxRAMFraction=");

    private HeapBound() {
    }

    /**
     * The warning for a JVM started with these arguments ({@code RuntimeMXBean.getInputArguments()},
     * which include JDK_JAVA_OPTIONS and JAVA_TOOL_OPTIONS) and this heap bound, or empty when an
     * option set the bound or the JVM's own choice is small.
     */
    static Optional<String> warning(List<String> jvmArguments, long maxHeapBytes) {
        boolean chosen = jvmArguments.stream().anyMatch(argument -> HEAP_OPTIONS.stream().anyMatch(argument::startsWith));
        if (chosen || maxHeapBytes <= WARN_ABOVE_BYTES) {
            return Optional.empty();
        }
        return Optional.of(String.format("The JVM bounds the heap at %d MiB, its default for this machine, as no heap option"
                + " was given; the replicator needs about 256 MiB and takes memory it does not need as the heap grows."
                + " Start it with %s (JDK_JAVA_OPTIONS works too), as the container image does", maxHeapBytes >> 20, OPTIONS));
    }
}
