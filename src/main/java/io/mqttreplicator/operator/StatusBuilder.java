package io.mqttreplicator.operator;

import static io.mqttreplicator.operator.Conditions.ALL_CONNECTED;
import static io.mqttreplicator.operator.Conditions.BROKERS_CONNECTED;
import static io.mqttreplicator.operator.Conditions.BROKERS_NOT_CONNECTED;
import static io.mqttreplicator.operator.Conditions.FALSE;
import static io.mqttreplicator.operator.Conditions.INVALID_SECRET;
import static io.mqttreplicator.operator.Conditions.INVALID_SPEC;
import static io.mqttreplicator.operator.Conditions.NOT_RUNNING;
import static io.mqttreplicator.operator.Conditions.PAUSED;
import static io.mqttreplicator.operator.Conditions.READY;
import static io.mqttreplicator.operator.Conditions.RECONCILE_ERROR;
import static io.mqttreplicator.operator.Conditions.REPLICATING;
import static io.mqttreplicator.operator.Conditions.RESOLVED;
import static io.mqttreplicator.operator.Conditions.RESOLVED_REFS;
import static io.mqttreplicator.operator.Conditions.SECRET_NOT_FOUND;
import static io.mqttreplicator.operator.Conditions.TRUE;
import static io.mqttreplicator.operator.Conditions.UNKNOWN;

import io.mqttreplicator.broker.ConnectionEvent;
import io.mqttreplicator.broker.ConnectionState;
import io.mqttreplicator.operator.ReconcileOutcome.Failed;
import io.mqttreplicator.operator.ReconcileOutcome.InvalidSpec;
import io.mqttreplicator.operator.ReconcileOutcome.Paused;
import io.mqttreplicator.operator.ReconcileOutcome.Running;
import io.mqttreplicator.operator.ReconcileOutcome.UnresolvedRefs;
import io.mqttreplicator.operator.api.v1alpha1.BrokerStatus;
import io.mqttreplicator.operator.api.v1alpha1.Condition;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplicationStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Builds a MqttReplication's status from what the reconciliation did and the brokers' connections.
 * A condition keeps its lastTransitionTime while its status, reason and message stay the same, so an
 * unchanged situation gives an equal status (and no patch).
 */
final class StatusBuilder {

    private final Clock clock;

    StatusBuilder(Clock clock) {
        this.clock = clock;
    }

    /**
     * @param previous    the status the resource has now, or null
     * @param generation  the resource's metadata.generation
     * @param connections the running replication's brokers, in spec order; empty when nothing runs
     */
    MqttReplicationStatus build(MqttReplicationStatus previous, Long generation, ReconcileOutcome outcome,
            List<ConnectionEvent> connections) {
        List<Condition> before = previous == null ? List.of() : previous.getConditions();
        long connected = connections.stream().filter(event -> event.state() == ConnectionState.CONNECTED).count();
        String notConnected = connections.stream().filter(event -> event.state() != ConnectionState.CONNECTED)
                .map(event -> event.broker() + " is " + stateName(event.state()))
                .collect(Collectors.joining(", "));

        Condition brokers;
        if (outcome instanceof Paused) {
            brokers = condition(BROKERS_CONNECTED, FALSE, PAUSED, "Replication is paused: no broker connections", generation);
        } else if (connections.isEmpty()) {
            brokers = condition(BROKERS_CONNECTED, FALSE, NOT_RUNNING, "No broker connections: the replication does not run", generation);
        } else if (connected == connections.size()) {
            brokers = condition(BROKERS_CONNECTED, TRUE, ALL_CONNECTED, "All " + connected + " brokers are connected", generation);
        } else {
            brokers = condition(BROKERS_CONNECTED, FALSE, BROKERS_NOT_CONNECTED, notConnected, generation);
        }

        Condition refs;
        Condition ready;
        String keptRunning = connections.isEmpty() ? "" : "; the previous configuration keeps running";
        if (outcome instanceof InvalidSpec invalid) {
            refs = condition(RESOLVED_REFS, UNKNOWN, INVALID_SPEC, "Not checked: the spec is invalid", generation);
            ready = condition(READY, FALSE, INVALID_SPEC, String.join("; ", invalid.problems()) + keptRunning, generation);
        } else if (outcome instanceof UnresolvedRefs unresolved) {
            String reason = unresolved.notFound() ? SECRET_NOT_FOUND : INVALID_SECRET;
            String message = String.join("; ", unresolved.problems());
            refs = condition(RESOLVED_REFS, FALSE, reason, message, generation);
            ready = condition(READY, FALSE, reason, message + keptRunning, generation);
        } else if (outcome instanceof Failed failed) {
            refs = previousOr(before, RESOLVED_REFS, condition(RESOLVED_REFS, UNKNOWN, RECONCILE_ERROR, failed.message(), generation));
            ready = condition(READY, UNKNOWN, RECONCILE_ERROR, failed.message(), generation);
        } else {
            refs = condition(RESOLVED_REFS, TRUE, RESOLVED, "Every referenced Secret was found", generation);
            if (outcome instanceof Paused) {
                ready = condition(READY, FALSE, PAUSED, "spec.paused is true", generation);
            } else if (outcome instanceof Running && connected == connections.size()) {
                ready = condition(READY, TRUE, REPLICATING, "Replicating between " + connected + " brokers", generation);
            } else {
                ready = condition(READY, FALSE, BROKERS_NOT_CONNECTED, notConnected, generation);
            }
        }

        MqttReplicationStatus status = new MqttReplicationStatus();
        status.setObservedGeneration(generation);
        status.setConditions(List.of(keepTransitionTime(ready, before), keepTransitionTime(refs, before),
                keepTransitionTime(brokers, before)));
        status.setBrokers(connections.stream().map(StatusBuilder::brokerStatus).toList());
        status.setConnectedBrokers(connections.isEmpty() ? null : connected + "/" + connections.size());
        return status;
    }

    /** The CamelCase name of a connection state, as status and events show it. */
    static String stateName(ConnectionState state) {
        String lower = state.name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
    }

    private static BrokerStatus brokerStatus(ConnectionEvent event) {
        return new BrokerStatus(event.broker(), stateName(event.state()), event.address().orElse(null),
                timestamp(event.since()), event.error().orElse(null));
    }

    private Condition condition(String type, String status, String reason, String message, Long generation) {
        return new Condition(type, status, reason, message, timestamp(clock.instant()), generation);
    }

    private static Condition previousOr(List<Condition> before, String type, Condition otherwise) {
        return find(before, type).orElse(otherwise);
    }

    private static Condition keepTransitionTime(Condition next, List<Condition> before) {
        Optional<Condition> previous = find(before, next.getType());
        if (previous.isPresent() && previous.get().sameStateAs(next)) {
            next.setLastTransitionTime(previous.get().getLastTransitionTime());
        }
        return next;
    }

    private static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions.stream().filter(condition -> type.equals(condition.getType())).findFirst();
    }

    static String timestamp(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
