package io.mqttreplicator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheus.PrometheusNamingConvention;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** k8s/monitoring/grafana-dashboard.json queries what the service exports, and all of it. */
class GrafanaDashboardTest {

    private static final Path DASHBOARD = Path.of("k8s", "monitoring", "grafana-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("\\bmqttrep_[a-z0-9_]+");
    private static final Pattern GROUPING = Pattern.compile("\\bby \\(([^)]*)\\)");
    private static final Set<String> TIMER_SERIES = Set.of("_bucket", "_count", "_sum", "_max");

    private static List<String> expressions;

    @BeforeAll
    static void readDashboard() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        expressions = new ArrayList<>();
        dashboard.findValues("expr").forEach(expr -> expressions.add(expr.asText()));
        dashboard.path("templating").path("list").forEach(variable -> expressions.add(variable.path("definition").asText()));
    }

    @Test
    void everyMetricInTheDashboardIsOneTheServiceExports() {
        Set<String> exported = exportedSeries();

        assertThat(expressions).hasSizeGreaterThan(10);
        assertThat(usedMetrics()).isNotEmpty().allSatisfy(metric -> assertThat(exported).as("exported series").contains(metric));
    }

    @Test
    void theDashboardShowsEveryMeter() {
        Set<String> used = usedMetrics();

        for (Map.Entry<String, Meter.Type> meter : MeterNames.ALL.entrySet()) {
            String name = prometheusName(meter.getKey(), meter.getValue());
            assertThat(used).as("a panel on %s", name).anyMatch(metric -> metric.startsWith(name));
        }
    }

    @Test
    void theDashboardGroupsOnlyByTagsTheMetersHave() {
        Set<String> labels = new TreeSet<>();
        for (String expression : expressions) {
            Matcher grouping = GROUPING.matcher(expression);
            while (grouping.find()) {
                for (String label : grouping.group(1).split(",")) {
                    labels.add(label.trim());
                }
            }
        }

        assertThat(labels).isNotEmpty().isSubsetOf(MeterNames.REPLICATION, MeterNames.BROKER, MeterNames.RULE, MeterNames.REASON, MeterNames.ORIGIN, "le");
    }

    private static Set<String> usedMetrics() {
        Set<String> used = new TreeSet<>();
        for (String expression : expressions) {
            Matcher metric = METRIC.matcher(expression);
            while (metric.find()) {
                used.add(metric.group());
            }
        }
        return used;
    }

    /** The series names Prometheus shows for {@link MeterNames#ALL}, as the Micrometer Prometheus registry names them. */
    private static Set<String> exportedSeries() {
        Set<String> series = new TreeSet<>();
        MeterNames.ALL.forEach((name, type) -> {
            String prometheusName = prometheusName(name, type);
            if (type == Meter.Type.TIMER) {
                TIMER_SERIES.forEach(suffix -> series.add(prometheusName + suffix));
            } else {
                series.add(prometheusName);
            }
        });
        return series;
    }

    private static String prometheusName(String name, Meter.Type type) {
        return new PrometheusNamingConvention().name(name, type, type == Meter.Type.TIMER ? "seconds" : null);
    }
}
