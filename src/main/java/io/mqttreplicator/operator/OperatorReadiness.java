package io.mqttreplicator.operator;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of the operator, replacing the Quarkus Operator SDK's own check (excluded in
 * application.properties), which is DOWN whenever the operator is not started, i.e. always in
 * standalone mode. Here: not part of readiness in standalone mode; in operator mode, ready once the
 * operator started. A standby replica (not holding the Lease) is ready too, so that rolling updates
 * can proceed; informers that are not healthy are listed.
 */
@Readiness
@ApplicationScoped
class OperatorReadiness implements HealthCheck {

    static final String NAME = "operator";

    private final OperatorRunner runner;

    OperatorReadiness(OperatorRunner runner) {
        this.runner = runner;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named(NAME);
        if (!runner.started()) {
            return response.up().withData("mode", "standalone").build();
        }
        var info = runner.operator().getRuntimeInfo();
        response.withData("mode", "operator").status(info.isStarted());
        info.unhealthyEventSources().forEach((controller, sources) ->
                response.withData(controller, "unhealthy event sources: " + String.join(", ", sources.keySet())));
        return response.build();
    }
}
