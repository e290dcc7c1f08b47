package io.mqttreplicator.operator;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mqttreplicator.broker.BrokerChannel;
import io.mqttreplicator.broker.ConnectionEvent;
import io.mqttreplicator.operator.ReplicationTranslator.Translation;
import io.mqttreplicator.operator.api.v1alpha1.BrokerSpec;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplication;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplicationStatus;
import io.mqttreplicator.replication.ReplicationManager;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Keeps a replication running for every MqttReplication, as its spec says, and reports in its
 * status whether it works and why not.
 *
 * <p>Triggered by changes of the resource's spec, of the Secrets it references, and of its brokers'
 * connections. Each reconciliation translates the resource into a ReplicationDefinition and hands it
 * to the {@link ReplicationManager}, which changes only what differs; it never waits for a broker.
 * Shared rules are left out: every replica runs them ({@link SharedRules}).
 * An invalid spec or a missing Secret is reported in the status and not retried (a fix of the
 * resource or the Secret triggers the next reconciliation); whatever ran before keeps running.
 * Deleting the resource stops the replication and closes its connections (finalizer).
 */
@ControllerConfiguration(name = MqttReplicationReconciler.NAME)
public class MqttReplicationReconciler implements Reconciler<MqttReplication>, Cleaner<MqttReplication> {

    public static final String NAME = "mqttreplication";

    private static final Logger LOG = Logger.getLogger(MqttReplicationReconciler.class);
    private static final String SECRET_INDEX = "referenced-secrets";

    private final ReplicationManager manager;
    private final ConnectionChanges connectionChanges;
    private final KubernetesEvents events;
    private final StatusBuilder statusBuilder;
    private volatile InformerEventSource<Secret, MqttReplication> secrets;

    MqttReplicationReconciler(ReplicationManager manager, ConnectionChanges connectionChanges, KubernetesEvents events,
            Clock clock) {
        this.manager = manager;
        this.connectionChanges = connectionChanges;
        this.events = events;
        this.statusBuilder = new StatusBuilder(clock);
    }

    @Override
    public List<EventSource<?, MqttReplication>> prepareEventSources(EventSourceContext<MqttReplication> context) {
        context.getPrimaryCache().addIndexer(SECRET_INDEX, MqttReplicationReconciler::referencedSecretKeys);
        var configuration = InformerEventSourceConfiguration.from(Secret.class, MqttReplication.class)
                .withSecondaryToPrimaryMapper((Secret secret) -> context.getPrimaryCache()
                        .byIndex(SECRET_INDEX, secretKey(secret.getMetadata().getNamespace(), secret.getMetadata().getName()))
                        .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .build();
        secrets = new InformerEventSource<>(configuration, context);
        return List.of(secrets, connectionChanges.eventSource());
    }

    @Override
    public UpdateControl<MqttReplication> reconcile(MqttReplication resource, Context<MqttReplication> context) {
        String name = ReplicationTranslator.replicationName(resource);
        ReconcileOutcome outcome;
        if (resource.getSpec() != null && resource.getSpec().isPaused()) {
            manager.remove(name);
            outcome = new ReconcileOutcome.Paused();
        } else {
            String namespace = resource.getMetadata().getNamespace();
            Translation translation = ReplicationTranslator.translate(resource,
                    secretName -> secrets.get(new ResourceID(secretName, namespace)));
            if (translation instanceof ReplicationTranslator.Valid valid) {
                manager.apply(ReplicationTranslator.withoutSharedRules(valid.definition()));
                outcome = new ReconcileOutcome.Running();
            } else if (translation instanceof ReplicationTranslator.UnresolvedRefs unresolved) {
                outcome = new ReconcileOutcome.UnresolvedRefs(unresolved.problems(), unresolved.secretMissing());
            } else {
                outcome = new ReconcileOutcome.InvalidSpec(((ReplicationTranslator.InvalidSpec) translation).problems());
            }
        }
        return patchStatus(resource, outcome);
    }

    @Override
    public DeleteControl cleanup(MqttReplication resource, Context<MqttReplication> context) {
        manager.remove(ReplicationTranslator.replicationName(resource));
        return DeleteControl.defaultDelete();
    }

    @Override
    public ErrorStatusUpdateControl<MqttReplication> updateErrorStatus(MqttReplication resource,
            Context<MqttReplication> context, Exception e) {
        LOG.errorf(e, "Reconciling %s failed", ReplicationTranslator.replicationName(resource));
        MqttReplicationStatus status = buildStatus(resource, new ReconcileOutcome.Failed(e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage())));
        resource.setStatus(status);
        return ErrorStatusUpdateControl.patchStatus(resource);
    }

    private UpdateControl<MqttReplication> patchStatus(MqttReplication resource, ReconcileOutcome outcome) {
        MqttReplicationStatus before = resource.getStatus();
        MqttReplicationStatus status = buildStatus(resource, outcome);
        if (status.equals(before)) {
            return UpdateControl.noUpdate();
        }
        events.brokerTransitions(resource, before, status);
        if (outcome instanceof ReconcileOutcome.InvalidSpec && !sameReadyMessage(before, status)) {
            events.record(resource, KubernetesEvents.WARNING, Conditions.INVALID_SPEC,
                    status.getConditions().get(0).getMessage());
        }
        resource.setStatus(status);
        return UpdateControl.patchStatus(resource);
    }

    private MqttReplicationStatus buildStatus(MqttReplication resource, ReconcileOutcome outcome) {
        List<ConnectionEvent> connections = manager.channels(ReplicationTranslator.replicationName(resource))
                .map(channels -> channels.values().stream().map(BrokerChannel::status).toList())
                .orElse(List.of());
        return statusBuilder.build(resource.getStatus(), resource.getMetadata().getGeneration(), outcome, connections);
    }

    private static boolean sameReadyMessage(MqttReplicationStatus before, MqttReplicationStatus after) {
        return before != null && !before.getConditions().isEmpty()
                && Objects.equals(before.getConditions().get(0).getMessage(), after.getConditions().get(0).getMessage());
    }

    private static List<String> referencedSecretKeys(MqttReplication resource) {
        if (resource.getSpec() == null || resource.getSpec().getBrokers() == null) {
            return List.of();
        }
        String namespace = resource.getMetadata().getNamespace();
        List<String> keys = new ArrayList<>();
        for (BrokerSpec broker : resource.getSpec().getBrokers()) {
            if (broker == null) {
                continue;
            }
            Optional.ofNullable(broker.getCredentialsSecretRef()).map(ref -> ref.getName()).ifPresent(keys::add);
            Optional.ofNullable(broker.getTls()).map(tls -> tls.getCaSecretRef()).map(ref -> ref.getName()).ifPresent(keys::add);
            Optional.ofNullable(broker.getTls()).map(tls -> tls.getClientCertificateSecretRef()).map(ref -> ref.getName())
                    .ifPresent(keys::add);
        }
        return keys.stream().filter(Objects::nonNull).distinct().map(secret -> secretKey(namespace, secret)).toList();
    }

    private static String secretKey(String namespace, String name) {
        return namespace + "/" + name;
    }
}
