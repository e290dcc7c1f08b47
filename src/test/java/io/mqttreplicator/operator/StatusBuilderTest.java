package io.mqttreplicator.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttreplicator.broker.ConnectionEvent;
import io.mqttreplicator.broker.ConnectionState;
import io.mqttreplicator.operator.api.v1alpha1.Condition;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplicationStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusBuilderTest {

    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final Instant T1 = Instant.parse("2026-11-22T10:05:00Z");

    @Test
    void allBrokersConnectedMeansReady() {
        MqttReplicationStatus status = at(T0).build(null, 3L, new ReconcileOutcome.Running(),
                List.of(connected("a", "mqtt://a:1883"), connected("b", "mqtt://b:1883")));

        assertThat(status.getObservedGeneration()).isEqualTo(3L);
        assertThat(status.getConditions()).extracting(Condition::getType, Condition::getStatus, Condition::getReason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("Ready", "True", "Replicating"),
                        org.assertj.core.groups.Tuple.tuple("ResolvedRefs", "True", "Resolved"),
                        org.assertj.core.groups.Tuple.tuple("BrokersConnected", "True", "AllConnected"));
        assertThat(status.getConditions()).allSatisfy(condition -> {
            assertThat(condition.getLastTransitionTime()).isEqualTo("2026-11-22T10:00:00Z");
            assertThat(condition.getObservedGeneration()).isEqualTo(3L);
        });
        assertThat(status.getConnectedBrokers()).isEqualTo("2/2");
        assertThat(status.getBrokers().get(1).getAddress()).isEqualTo("mqtt://b:1883");
    }

    @Test
    void aDisconnectedBrokerIsNamedWithItsStateAndError() {
        ConnectionEvent down = new ConnectionEvent("b", ConnectionState.DISCONNECTED, Optional.of("mqtt://b:1883"),
                Optional.of("connection refused"), T0, Optional.empty());

        MqttReplicationStatus status = at(T1).build(null, 1L, new ReconcileOutcome.Running(), List.of(connected("a", "mqtt://a"), down));

        Condition ready = status.getConditions().get(0);
        assertThat(ready.getStatus()).isEqualTo("False");
        assertThat(ready.getReason()).isEqualTo("BrokersNotConnected");
        assertThat(ready.getMessage()).isEqualTo("b is Disconnected");
        assertThat(status.getBrokers().get(1).getState()).isEqualTo("Disconnected");
        assertThat(status.getBrokers().get(1).getLastError()).isEqualTo("connection refused");
        assertThat(status.getBrokers().get(1).getSince()).isEqualTo("2026-11-22T10:00:00Z");
        assertThat(status.getConnectedBrokers()).isEqualTo("1/2");
    }

    @Test
    void anUnchangedSituationKeepsTheTransitionTimesAndGivesAnEqualStatus() {
        List<ConnectionEvent> brokers = List.of(connected("a", "mqtt://a"), connected("b", "mqtt://b"));
        MqttReplicationStatus first = at(T0).build(null, 1L, new ReconcileOutcome.Running(), brokers);

        MqttReplicationStatus again = at(T1).build(first, 1L, new ReconcileOutcome.Running(), brokers);

        assertThat(again).isEqualTo(first);
    }

    @Test
    void onlyTheConditionThatChangedGetsANewTransitionTime() {
        MqttReplicationStatus ready = at(T0).build(null, 1L, new ReconcileOutcome.Running(),
                List.of(connected("a", "mqtt://a"), connected("b", "mqtt://b")));

        MqttReplicationStatus invalid = at(T1).build(ready, 2L,
                new ReconcileOutcome.InvalidSpec(List.of("spec.topics[0].qos: must be 0, 1 or 2, was 3")),
                List.of(connected("a", "mqtt://a"), connected("b", "mqtt://b")));

        Condition readyCondition = invalid.getConditions().get(0);
        assertThat(readyCondition.getReason()).isEqualTo("InvalidSpec");
        assertThat(readyCondition.getMessage())
                .isEqualTo("spec.topics[0].qos: must be 0, 1 or 2, was 3; the previous configuration keeps running");
        assertThat(readyCondition.getLastTransitionTime()).isEqualTo("2026-11-22T10:05:00Z");
        Condition brokers = invalid.getConditions().get(2);
        assertThat(brokers.getStatus()).isEqualTo("True");
        assertThat(brokers.getLastTransitionTime()).isEqualTo("2026-11-22T10:00:00Z");
        assertThat(brokers.getObservedGeneration()).isEqualTo(2L);
    }

    @Test
    void aMissingSecretAndAPauseHaveTheirOwnReasons() {
        MqttReplicationStatus missing = at(T0).build(null, 1L,
                new ReconcileOutcome.UnresolvedRefs(List.of("spec.brokers[0].credentialsSecretRef: Secret s not found"), true), List.of());
        assertThat(missing.getConditions()).extracting(Condition::getReason)
                .containsExactly("SecretNotFound", "SecretNotFound", "NotRunning");
        assertThat(missing.getConnectedBrokers()).isNull();

        MqttReplicationStatus paused = at(T0).build(null, 1L, new ReconcileOutcome.Paused(), List.of());
        assertThat(paused.getConditions()).extracting(Condition::getReason).containsExactly("Paused", "Resolved", "Paused");
    }

    private static StatusBuilder at(Instant now) {
        return new StatusBuilder(Clock.fixed(now, ZoneOffset.UTC));
    }

    private static ConnectionEvent connected(String broker, String address) {
        return new ConnectionEvent(broker, ConnectionState.CONNECTED, Optional.of(address), Optional.empty(), T0, Optional.empty());
    }
}
