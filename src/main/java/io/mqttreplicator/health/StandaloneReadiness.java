package io.mqttreplicator.health;

import io.mqttreplicator.ReplicatorConfig;
import io.mqttreplicator.RuntimeMode;
import io.mqttreplicator.replication.ReplicationDefinition;
import io.mqttreplicator.replication.ReplicationObserver;
import io.mqttreplicator.standalone.ProcessEnvironment;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness in standalone mode: DOWN from the start of the process until the replication of the
 * MQTTREP_* variables is applied, whether or not its brokers are reachable (that is the
 * {@value BrokerConnectionsHealth#GROUP} health group). In operator mode always UP: the operator's
 * readiness is {@code OperatorReadiness}.
 */
@Readiness
// @HealthGroup/@Readiness are qualifiers: @Default keeps it among the manager's ReplicationObservers
@Default
@ApplicationScoped
public class StandaloneReadiness implements HealthCheck, ReplicationObserver {

    static final String NAME = "standalone-replication";

    private final boolean standalone;
    private volatile String applied;

    StandaloneReadiness(ReplicatorConfig config, ProcessEnvironment environment) {
        this.standalone = config.mode().resolve(environment.variables()) == RuntimeMode.STANDALONE;
    }

    @Override
    public void applied(ReplicationDefinition definition) {
        applied = definition.name();
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named(NAME);
        if (!standalone) {
            return response.up().withData("mode", "operator").build();
        }
        String replication = applied;
        return replication == null ? response.down().build() : response.up().withData("replication", replication).build();
    }
}
