package io.mqttreplicator.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import org.junit.jupiter.api.Test;

/** The leader election the operator's replicas run (k8s/04-deployment.yaml runs two). */
class LeaderElectionTest {

    @Test
    void aReplicaThatLosesTheLeaseExitsSoThatOnlyTheNewLeaderReconciles() {
        LeaderElectionConfiguration configuration = OperatorRunner.leaderElection();

        assertThat(configuration.getLeaseName()).isEqualTo(OperatorRunner.LEASE_NAME).isEqualTo("mqtt-replicator-leader");
        assertThat(configuration.getLeaseNamespace()).as("the namespace the operator runs in").isEmpty();
        assertThat(configuration.isExitOnStopLeading()).isTrue();
    }
}
