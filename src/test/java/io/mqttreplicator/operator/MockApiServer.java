package io.mqttreplicator.operator;

import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * The fabric8 mock API server in CRUD mode on 127.0.0.1, as leader election needs it: it keeps
 * Leases (and rejects an update based on an old resourceVersion, as the real one does), knows the
 * MqttReplication CRD (for its status subresource), and answers the SelfSubjectRulesReview the Java
 * Operator SDK sends before electing, which CRUD mode would only echo without a status.
 */
final class MockApiServer implements AutoCloseable {

    static final String NAMESPACE = "test";

    private final KubernetesMockServer server;
    private final KubernetesClient admin;

    MockApiServer() {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReturn(201, leasePermissions()).always();
        admin = server.createClient();
        admin.apiextensions().v1().customResourceDefinitions().load(Path.of("k8s", "01-crd.yaml").toFile()).create();
    }

    int port() {
        return server.getPort();
    }

    /** A client for one replica, or for the test itself (namespace {@value #NAMESPACE}). */
    KubernetesClient newClient() {
        return server.createClient();
    }

    /** A client that reaches the server through the link. */
    KubernetesClient newClient(ApiServerLink link) {
        return server.createClient(builder -> builder.editOrNewConfig().withMasterUrl(link.url()).endConfig());
    }

    KubernetesClient admin() {
        return admin;
    }

    /** The leader Lease, or null. */
    Lease lease() {
        return admin.leases().inNamespace(NAMESPACE).withName(LeaderLease.NAME).get();
    }

    /** Who holds the leader Lease, or null. */
    String leaseHolder() {
        Lease lease = lease();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    @Override
    public void close() {
        admin.close();
        server.destroy();
    }

    /** What the Role in k8s/ should grant on Leases: fabric8 renews with PATCH, the SDK checks get, create, update. */
    private static SelfSubjectRulesReview leasePermissions() {
        return new SelfSubjectRulesReviewBuilder().withNewStatus().withIncomplete(false)
                .withResourceRules(new ResourceRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases")
                        .withVerbs("get", "create", "update", "patch").build())
                .endStatus().build();
    }
}
