package io.mqttreplicator.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessStatsTest {

    /** As the replicator's launcher and the child JVM it waits for: a user pays for both. */
    @Test
    void aProcessIsMeasuredWithItsDescendantsAndTheBenchmarkAlone() throws Exception {
        Process parent = new ProcessBuilder("sh", "-c", "sleep 60 & wait").start();
        try {
            ProcessHandle child = await().atMost(Duration.ofSeconds(10))
                    .until(() -> parent.toHandle().children().findFirst(), Optional::isPresent).orElseThrow();

            assertThat(ProcessStats.measured(parent.pid())).containsExactly(parent.pid(), child.pid());
            assertThat(ProcessStats.measured(ProcessHandle.current().pid()))
                    .as("this JVM, without the processes it started").containsExactly(ProcessHandle.current().pid());
            assertThat(ProcessStats.rssMiB(parent.pid())).isGreaterThan(ProcessStats.rssMiB(child.pid()));
            Map<String, List<Long>> trees = ProcessStats.trees(Map.of("parent", parent.pid()));
            assertThat(trees).containsExactly(entry("parent", List.of(parent.pid(), child.pid())));
            assertThat(ProcessStats.cpuSeconds(trees).get("parent")).isNotNaN().isGreaterThanOrEqualTo(0.0);
        } finally {
            parent.descendants().forEach(ProcessHandle::destroyForcibly);
            parent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(ProcessStats.measured(parent.pid())).as("a process gone").isEqualTo(List.of(parent.pid()));
        assertThat(ProcessStats.rssMiB(parent.pid())).isNaN();
        assertThat(ProcessStats.cpuSeconds(Map.of("gone", List.of(parent.pid()))).get("gone")).as("a tree all gone").isNaN();
    }
}
