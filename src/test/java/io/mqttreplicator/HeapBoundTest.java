package io.mqttreplicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HeapBoundTest {

    private static final long SIX_GIB = 6L << 30;
    private static final Optional<List<String>> JAVA_JAR = Optional.of(List.of("/usr/bin/java",
            "-Dfile.encoding=UTF-8", "-jar", "quarkus-run.jar", "an argument"));

    @Test
    void aHeapTheJvmSizedForABigMachineRunsTheSameCommandWithTheDefaultBound() {
        assertThat(HeapBound.defaultHeapCommand(List.of("-Dfile.encoding=UTF-8"), SIX_GIB, JAVA_JAR)).contains(List.of(
                "/usr/bin/java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dfile.encoding=UTF-8", "-jar", "quarkus-run.jar", "an argument"));
    }

    @Test
    void aCollectorOrCompilerOptionTheUserGaveIsKeptAndNotAddedTo() {
        List<String> jvmArguments = List.of("-XX:+UseG1GC", "-XX:-TieredCompilation");
        Optional<List<String>> commandLine = Optional.of(List.of("java", "-XX:+UseG1GC", "-XX:-TieredCompilation", "-jar", "r.jar"));

        assertThat(HeapBound.defaultHeapCommand(jvmArguments, SIX_GIB, commandLine))
                .contains(List.of("java", "-Xmx256m", "-XX:+UseG1GC", "-XX:-TieredCompilation", "-jar", "r.jar"));
    }

    @Test
    void anyHeapOptionASmallDefaultOrAnUnknownCommandLineKeepsThisJvm() {
        for (String option : List.of("-Xmx4g", "-XX:MaxHeapSize=4g", "-XX:MaxRAM=16g", "-XX:MaxRAMPercentage=50",
                "-XX:MaxRAMFraction=2")) {
            assertThat(HeapBound.defaultHeapCommand(List.of("-XX:+UseSerialGC", option), SIX_GIB, JAVA_JAR)).as(option).isEmpty();
        }
        assertThat(HeapBound.defaultHeapCommand(List.of(), 512L << 20, JAVA_JAR)).as("a small machine's default").isEmpty();
        assertThat(HeapBound.defaultHeapCommand(List.of(), SIX_GIB, Optional.empty())).as("no command line").isEmpty();
    }

    @Test
    void theChildStopsWhenTheLauncherHasEndedAndNotBefore() throws Exception {
        Process launcher = new ProcessBuilder("sleep", "60").start();
        AtomicBoolean stopped = new AtomicBoolean();
        try {
            HeapBound.stopWithLauncher(Long.toString(launcher.pid()), () -> stopped.set(true));
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).untilFalse(stopped);

            launcher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).untilTrue(stopped);
        } finally {
            launcher.destroyForcibly();
        }
    }
}
