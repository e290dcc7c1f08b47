package io.mqttreplicator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/metrics-and-health.md's table names exactly the meters the service exports, with their types. */
class MetricsDocsTest {

    private static final Pattern ROW = Pattern.compile("^\\| `(mqttrep_[a-z_]+)` \\| ([a-z]+)");

    @Test
    void theTableListsEveryMeterAndNoOther() throws IOException {
        Set<String> documented = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("docs", "metrics-and-health.md"))) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                documented.add(row.group(1) + " " + row.group(2));
            }
        }

        Set<String> exported = new TreeSet<>();
        for (Map.Entry<String, Meter.Type> meter : MeterNames.ALL.entrySet()) {
            String name = meter.getKey().replace('.', '_');
            exported.add(switch (meter.getValue()) {
                case COUNTER -> name + "_total counter";
                case TIMER -> name + "_seconds timer";
                default -> name + " gauge";
            });
        }
        assertThat(documented).isEqualTo(exported);
    }
}
