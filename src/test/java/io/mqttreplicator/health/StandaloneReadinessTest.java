package io.mqttreplicator.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttreplicator.RuntimeMode;
import io.mqttreplicator.engine.Rules;
import io.mqttreplicator.replication.ReplicationDefinition;
import io.mqttreplicator.standalone.ProcessEnvironment;
import io.mqttreplicator.testing.Definitions;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.health.HealthCheckResponse.Status;
import org.junit.jupiter.api.Test;

class StandaloneReadinessTest {

    private static final ReplicationDefinition DEFINITION = new ReplicationDefinition("standalone", 1,
            List.of(Definitions.broker("a", "mqtt://127.0.0.1:1"), Definitions.broker("b", "mqtt://127.0.0.1:2")),
            List.of(Rules.state("t", "t/#").build()));

    @Test
    void standaloneModeIsReadyOnceTheReplicationIsAppliedWhetherOrNotItsBrokersAreReachable() {
        StandaloneReadiness readiness = new StandaloneReadiness(() -> RuntimeMode.AUTO, environment(Map.of("MQTTREP_TOPIC_t", "t/#")));
        assertThat(readiness.call().getStatus()).isEqualTo(Status.DOWN);

        readiness.applied(DEFINITION);

        assertThat(readiness.call().getStatus()).isEqualTo(Status.UP);
        assertThat(readiness.call().getData().orElseThrow()).containsEntry("replication", "standalone");
    }

    @Test
    void operatorModeLeavesReadinessToTheOperator() {
        StandaloneReadiness readiness = new StandaloneReadiness(() -> RuntimeMode.AUTO, environment(Map.of()));

        assertThat(readiness.call().getStatus()).isEqualTo(Status.UP);
    }

    private static ProcessEnvironment environment(Map<String, String> variables) {
        return new ProcessEnvironment() {
            @Override
            public Map<String, String> variables() {
                return variables;
            }
        };
    }
}
