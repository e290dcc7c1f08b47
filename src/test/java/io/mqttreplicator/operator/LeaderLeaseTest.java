package io.mqttreplicator.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LeaderLeaseTest {

    @Test
    void productionHoldsTheLeaseForFifteenSecondsAndNeverLetsTheSdkExitTheProcess() {
        AtomicInteger stops = new AtomicInteger();
        LeaderElectionConfiguration configuration = LeaderLease.DEFAULT.configuration(null, "mqtt-replicator-7d9f-x2",
                stops::incrementAndGet);

        assertThat(configuration.getLeaseName()).isEqualTo("mqtt-replicator-leader");
        assertThat(configuration.getLeaseNamespace()).as("the operator's own namespace").isEmpty();
        assertThat(configuration.getIdentity()).contains("mqtt-replicator-7d9f-x2");
        assertThat(configuration.getLeaseDuration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(configuration.getRenewDeadline()).isEqualTo(Duration.ofSeconds(10));
        assertThat(configuration.getRetryPeriod()).isEqualTo(Duration.ofSeconds(2));
        assertThat(configuration.isExitOnStopLeading()).isFalse();

        configuration.getLeaderCallbacks().orElseThrow().onStopLeading();
        configuration.getLeaderCallbacks().orElseThrow().onStopLeading();
        assertThat(stops).as("stands down once").hasValue(1);
    }

    @Test
    void theIdentityIsThePodNameElseTheHostNameWithARandomSuffixElseARandomId() {
        assertThat(LeaderLease.identity(Optional.of("mqtt-replicator-7d9f-x2"), Optional.of("node-1")))
                .isEqualTo("mqtt-replicator-7d9f-x2");
        String fromHost = LeaderLease.identity(Optional.of(" "), Optional.of("node-1"));
        assertThat(fromHost).matches("node-1_[0-9a-f-]{36}")
                .as("two replicas on one host network").isNotEqualTo(LeaderLease.identity(Optional.empty(), Optional.of("node-1")));
        assertThat(LeaderLease.identity(Optional.empty(), Optional.empty())).matches("[0-9a-f-]{36}");
    }

    @Test
    void aHolderMustGiveUpBeforeTheLeaseExpires() {
        assertThatThrownBy(() -> new LeaderLease(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retryPeriod < renewDeadline < leaseDuration");
    }
}
