package io.mqttreplicator.operator;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplication;
import io.mqttreplicator.replication.ReplicationDefinition;
import io.mqttreplicator.replication.ReplicationManager;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs the shared stream rules ({@code $share/{group}/{filter}}) of every MqttReplication on this
 * replica, whether it holds the Lease or not: each replica joins the brokers' shared subscriptions
 * with sessions of its own, and the brokers split the messages among the replicas (active-active).
 * The rest of a resource, and its status, is the Lease holder's ({@link MqttReplicationReconciler},
 * which leaves the shared rules out). Both parts carry the replication's origin mark, so each drops
 * the other's forwards when they come back.
 *
 * <p>Its informers list and watch the resources and Secrets of the operator's namespace, as the
 * reconciler's do; an invalid resource runs nothing here (the Lease holder's status says why). A
 * changed Secret re-applies every resource, and a resync every {@link #RESYNC} catches anything
 * missed.
 */
@ApplicationScoped
public class SharedRules implements ResourceEventHandler<MqttReplication> {

    static final Duration RESYNC = Duration.ofSeconds(30);

    private static final Logger LOG = Logger.getLogger(SharedRules.class);

    private final ReplicationManager manager;
    private final KubernetesClient client;
    private final Optional<String> podName;
    private final Optional<String> hostname;
    private volatile String replica;
    private SharedIndexInformer<Secret> secrets;
    private SharedIndexInformer<MqttReplication> resources;

    SharedRules(ReplicationManager manager, KubernetesClient client, @ConfigProperty(name = "pod.name") Optional<String> podName,
            @ConfigProperty(name = "hostname") Optional<String> hostname) {
        this.manager = manager;
        this.client = client;
        this.podName = podName;
        this.hostname = hostname;
    }

    /**
     * The name this replica's broker sessions derive from: the pod name, the same after a restart of
     * the container, else the host name (which Kubernetes sets to the pod name); without either, a
     * random one, and the sessions of shared rules do not outlive the process.
     */
    static String replica(Optional<String> podName, Optional<String> hostname) {
        return podName.filter(name -> !name.isBlank()).or(() -> hostname.filter(name -> !name.isBlank()))
                .orElseGet(() -> {
                    String random = UUID.randomUUID().toString();
                    LOG.warnf("Neither POD_NAME nor HOSTNAME is set: shared rules run in sessions named after %s,"
                            + " which end with this process", random);
                    return random;
                });
    }

    /** Starts watching the resources of the operator's namespace; once. */
    synchronized void start() {
        if (resources != null) {
            return;
        }
        replica = replica(podName, hostname);
        String namespace = client.getNamespace();
        LOG.infof("Shared rules of namespace %s run on this replica as %s", namespace, replica);
        secrets = client.secrets().inNamespace(namespace).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Secret secret) {
                reapplyAll();
            }

            @Override
            public void onUpdate(Secret before, Secret after) {
                if (!before.getMetadata().getResourceVersion().equals(after.getMetadata().getResourceVersion())) {
                    reapplyAll();
                }
            }

            @Override
            public void onDelete(Secret secret, boolean finalStateUnknown) {
                reapplyAll();
            }
        });
        resources = client.resources(MqttReplication.class).inNamespace(namespace).inform(this, RESYNC.toMillis());
    }

    /** Stops watching; the replications stop with the manager. */
    synchronized void stop() {
        if (resources != null) {
            resources.close();
            secrets.close();
        }
    }

    @Override
    public void onAdd(MqttReplication resource) {
        apply(resource);
    }

    @Override
    public void onUpdate(MqttReplication before, MqttReplication after) {
        apply(after);
    }

    @Override
    public void onDelete(MqttReplication resource, boolean finalStateUnknown) {
        manager.remove(sharedName(resource));
    }

    private void reapplyAll() {
        SharedIndexInformer<MqttReplication> informer = resources;
        if (informer != null) {
            informer.getStore().list().forEach(this::apply);
        }
    }

    private void apply(MqttReplication resource) {
        Optional<ReplicationDefinition> part = Optional.empty();
        boolean deleting = resource.getMetadata().getDeletionTimestamp() != null;
        if (!deleting && resource.getSpec() != null && !resource.getSpec().isPaused()) {
            String namespace = resource.getMetadata().getNamespace();
            var translation = ReplicationTranslator.translate(resource,
                    secret -> Optional.ofNullable(secrets.getStore().getByKey(Cache.namespaceKeyFunc(namespace, secret))));
            if (translation instanceof ReplicationTranslator.Valid valid) {
                part = ReplicationTranslator.sharedPart(valid.definition(), replica);
            }
        }
        part.ifPresentOrElse(manager::apply, () -> manager.remove(sharedName(resource)));
    }

    private static String sharedName(MqttReplication resource) {
        return ReplicationTranslator.replicationName(resource) + ReplicationTranslator.SHARED_SUFFIX;
    }
}
