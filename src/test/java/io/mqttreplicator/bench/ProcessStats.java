package io.mqttreplicator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * CPU time and memory of a running process and its descendants, read from {@code /proc} (Linux):
 * the replicator started with no heap option runs in a child JVM of the one started (the launcher),
 * and a user pays for both. The benchmark's own JVM counts alone: its children (brokers, replicators)
 * are measured apart.
 */
final class ProcessStats {

    private static final long CLOCK_TICKS = readClockTicks();

    private ProcessStats() {
    }

    private static double ownCpuSeconds(long pid) {
        try {
            return cpuSeconds(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** utime + stime in seconds from the text of a {@code /proc/<pid>/stat} or {@code /proc/<pid>/task/<tid>/stat}. */
    static double cpuSeconds(String stat) {
        // the command name (field 2) may contain spaces: count fields after its closing parenthesis
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        long utime = Long.parseLong(fields[11]);
        long stime = Long.parseLong(fields[12]);
        return (utime + stime) / (double) CLOCK_TICKS;
    }

    /**
     * Each named process with its descendants ({@link #measured}), found once. Finding descendants walks all of
     * {@code /proc}, milliseconds of CPU: at every poll of a run, it would take them from the processes measured.
     */
    static Map<String, List<Long>> trees(Map<String, Long> pids) {
        Map<String, List<Long>> trees = new LinkedHashMap<>();
        pids.forEach((name, pid) -> trees.put(name, measured(pid)));
        return trees;
    }

    /** utime + stime in seconds of each named tree of {@link #trees}, NaN for a tree all gone. */
    static Map<String, Double> cpuSeconds(Map<String, List<Long>> trees) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        trees.forEach((name, processes) -> seconds.put(name, sum(processes, ProcessStats::ownCpuSeconds)));
        return seconds;
    }

    /**
     * Time a JVM's collectors took since it started (jstat's GCT: pauses, and the concurrent phases
     * of collectors that have them), in seconds; NaN when unknown.
     */
    static double gcSeconds(long pid) {
        return sumOverTree(pid, ProcessStats::ownGcSeconds);
    }

    private static double ownGcSeconds(long pid) {
        try {
            Process jstat = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstat").toString(), "-gc",
                    Long.toString(pid)).redirectErrorStream(true).start();
            String[] lines = new String(jstat.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    .trim().split("\n");
            jstat.waitFor();
            List<String> header = List.of(lines[0].trim().split("\\s+"));
            String[] values = lines[lines.length - 1].trim().split("\\s+");
            int column = header.indexOf("GCT");
            return column < 0 || values.length != header.size() ? Double.NaN : Double.parseDouble(values[column]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    /** Resident set size now, in MiB; NaN when unknown. */
    static double rssMiB(long pid) {
        return sumOverTree(pid, process -> statusKiB(process, "VmRSS:") / 1024.0);
    }

    /** Peak resident set size since the process started, in MiB (the sum of each process's peak); NaN when unknown. */
    static double peakRssMiB(long pid) {
        return sumOverTree(pid, process -> statusKiB(process, "VmHWM:") / 1024.0);
    }

    /** The figure of each process {@link #measured} that has one, added up; NaN when none has. */
    private static double sumOverTree(long pid, ToDoubleFunction<Long> figure) {
        return sum(measured(pid), figure);
    }

    private static double sum(List<Long> processes, ToDoubleFunction<Long> figure) {
        double sum = Double.NaN;
        for (long process : processes) {
            double value = figure.applyAsDouble(process);
            if (!Double.isNaN(value)) {
                sum = Double.isNaN(sum) ? value : sum + value;
            }
        }
        return sum;
    }

    /** The process and its descendants, or this JVM alone. */
    static List<Long> measured(long pid) {
        if (pid == ProcessHandle.current().pid()) {
            return List.of(pid);
        }
        return Stream.concat(Stream.of(pid), ProcessHandle.of(pid).stream().flatMap(ProcessHandle::descendants)
                .map(ProcessHandle::pid)).toList();
    }

    static long clockTicks() {
        return CLOCK_TICKS;
    }

    private static double statusKiB(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone or unreadable: reported as unknown
        }
        return Double.NaN;
    }

    private static long readClockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes()).trim();
            getconf.waitFor();
            return Long.parseLong(out);
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
