package io.mqttreplicator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HeapBoundTest {

    private static final long SIX_GIB = 6L << 30;

    @Test
    void aHeapTheJvmSizedForABigMachineGetsAWarningWithTheOptionsToUse() {
        assertThat(HeapBound.warning(List.of("-Dfile.encoding=UTF-8"), SIX_GIB)).hasValueSatisfying(warning -> assertThat(warning)
                .contains("6144 MiB").contains("-Xmx256m -XX:+UseSerialGC"));
    }

    @Test
    void anyHeapOptionOrASmallDefaultIsLeftAlone() {
        for (String option : List.of("-Xmx4g", "-XX:MaxHeapSize=4g", "-XX:MaxRAM=16g", "-XX:MaxRAMPercentage=50",
                "-XX:MaxRAMFraction=2")) {
            assertThat(HeapBound.warning(List.of("-XX:+UseSerialGC", option), SIX_GIB)).as(option).isEmpty();
        }
        assertThat(HeapBound.warning(List.of(), 512L << 20)).as("a small machine's default").isEmpty();
    }
}
