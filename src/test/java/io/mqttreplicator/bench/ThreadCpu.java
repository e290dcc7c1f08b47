package io.mqttreplicator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of a process's threads, grouped by name without trailing numbers ({@code C2 CompilerThread0} and
 * {@code C2 CompilerThread1} are one group), read from {@code /proc/<pid>/task} (Linux). It tells where a JVM's
 * CPU went: the JIT compilers, the garbage collector, the client's event loops, the merge thread.
 */
final class ThreadCpu {

    private ThreadCpu() {
    }

    /** Seconds per thread group; empty when the process is gone. */
    static Map<String, Double> byGroup(long pid) {
        Map<String, Double> groups = new LinkedHashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                groups.merge(name.replaceAll("[-#0-9]+$", ""), ProcessStats.cpuSeconds(stat), Double::sum);
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return groups;
    }

    /** What each group used between two readings, largest first. */
    static Map<String, Double> difference(Map<String, Double> after, Map<String, Double> before) {
        Map<String, Double> used = new LinkedHashMap<>();
        after.forEach((name, seconds) -> used.put(name, seconds - before.getOrDefault(name, 0.0)));
        List<Map.Entry<String, Double>> sorted = new ArrayList<>(used.entrySet());
        sorted.sort(Map.Entry.<String, Double>comparingByValue().reversed());
        Map<String, Double> result = new LinkedHashMap<>();
        sorted.forEach(entry -> result.put(entry.getKey(), entry.getValue()));
        return result;
    }

    /** The groups above {@code minimum} seconds, as {@code name 1.23 s, ...}. */
    static String describe(Map<String, Double> groups, double minimum) {
        StringBuilder out = new StringBuilder();
        groups.forEach((name, seconds) -> {
            if (seconds >= minimum) {
                out.append(out.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%s %.2f s", name, seconds));
            }
        });
        return out.toString();
    }
}
