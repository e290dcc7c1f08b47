package io.mqttreplicator.operator;

import static io.mqttreplicator.operator.Resources.broker;
import static io.mqttreplicator.operator.Resources.brokerWithCredentials;
import static io.mqttreplicator.operator.Resources.include;
import static io.mqttreplicator.operator.Resources.replication;
import static io.mqttreplicator.operator.Resources.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.mqttreplicator.operator.api.v1alpha1.Condition;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplication;
import io.mqttreplicator.testing.MosquittoBroker;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Role in k8s/03-role.yaml allows every request the operator sends while it runs a
 * replication through its life: the requests the mock API server received, translated into
 * RBAC's verbs and resources as the API server would. The Lease requests are not among them (no
 * leader election in tests); KubernetesManifestsTest checks those rules against JOSDK's check.
 */
@QuarkusTest
@WithKubernetesTestServer
class OperatorRequestsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String TEST_AGENT = "operator-requests-test";

    @Inject
    KubernetesClient operatorClient;

    @Inject
    OperatorRunner operator;

    @KubernetesTestServer
    KubernetesServer server;

    /** What RBAC authorises: a verb on a resource (with its subresource) of a group, maybe by name. */
    record Request(String verb, String group, String resource, String name, String line) {
    }

    @Test
    void theRoleAllowsEveryRequestTheOperatorSendsForAReplicationsLife() throws Exception {
        drainRecordedRequests();
        operator.start();
        try (MosquittoBroker a = MosquittoBroker.start();
                MosquittoBroker b = MosquittoBroker.builder().allowAnonymous(false).user("replicator", "requests-test").start();
                KubernetesClient test = new KubernetesClientBuilder()
                        .withConfig(new ConfigBuilder(operatorClient.getConfiguration()).withUserAgent(TEST_AGENT).build()).build()) {
            String namespace = operatorClient.getNamespace();
            test.resource(new SecretBuilder().withNewMetadata().withName("requests-mqtt").withNamespace(namespace).endMetadata()
                    .addToData("username", base64("replicator")).addToData("password", base64("requests-test")).build()).create();
            test.resource(replication(namespace, "requests", List.of(broker("site-a", a.url()),
                    brokerWithCredentials("site-b", "requests-mqtt", b.url())), List.of(stream("events/#")))).create();
            awaitReady(test, namespace, "True");

            MqttReplication invalid = get(test, namespace);
            invalid.getSpec().getTopics().get(0).setPublishTo(include("site-c"));
            test.resource(invalid).update();
            awaitReady(test, namespace, "False");

            test.resources(MqttReplication.class).inNamespace(namespace).withName("requests").delete();
            await().atMost(TIMEOUT).until(() -> get(test, namespace) == null);
            test.secrets().inNamespace(namespace).withName("requests-mqtt").delete();
        }

        List<Request> requests = operatorRequests();
        Set<String> seen = new TreeSet<>();
        List<String> denied = new ArrayList<>();
        Role role = role();
        for (Request request : requests) {
            seen.add(request.verb() + " " + request.resource());
            if (!allowed(role, request) && !anyUserMaySend(request) && !testModeOnly(request)) {
                denied.add(request.line());
            }
        }
        assertThat(denied).as("requests the Role does not allow").isEmpty();
        assertThat(seen).as("what the operator did (the test saw it all)").contains(
                "list mqttreplications", "watch mqttreplications", "patch mqttreplications", "patch mqttreplications/status",
                "list secrets", "watch secrets", "create events");
    }

    /** The mock API server's recorded requests since the last drain, the test's own left out. */
    private List<Request> operatorRequests() throws InterruptedException {
        List<Request> requests = new ArrayList<>();
        RecordedRequest recorded;
        while ((recorded = server.getKubernetesMockServer().takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            if (!String.valueOf(recorded.getHeader("User-Agent")).contains(TEST_AGENT)) {
                requests.add(authorizationOf(recorded.getMethod(), recorded.getPath()));
            }
        }
        return requests;
    }

    private void drainRecordedRequests() throws InterruptedException {
        while (server.getKubernetesMockServer().takeRequest(100, TimeUnit.MILLISECONDS) != null) {
            // requests of earlier tests
        }
    }

    /** As the API server's request info resolver: /api/v1/... or /apis/{group}/{version}/..., namespaced or not. */
    static Request authorizationOf(String method, String pathAndQuery) {
        String line = method + " " + pathAndQuery;
        String path = pathAndQuery.contains("?") ? pathAndQuery.substring(0, pathAndQuery.indexOf('?')) : pathAndQuery;
        String query = pathAndQuery.contains("?") ? pathAndQuery.substring(pathAndQuery.indexOf('?') + 1) : "";
        String[] parts = path.replaceAll("^/+", "").split("/");
        String group;
        int rest;
        if (parts[0].equals("api")) {
            group = "";
            rest = 2;
        } else {
            group = parts[1];
            rest = 3;
        }
        List<String> tail = List.of(parts).subList(rest, parts.length);
        if (tail.size() >= 3 && tail.get(0).equals("namespaces")) {
            tail = tail.subList(2, tail.size());
        }
        String resource = tail.get(0) + (tail.size() > 2 ? "/" + tail.get(2) : "");
        String name = tail.size() > 1 ? tail.get(1) : null;
        boolean watch = List.of(query.split("&")).contains("watch=true");
        String verb = switch (method) {
            case "GET" -> watch ? "watch" : name == null ? "list" : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name == null ? "deletecollection" : "delete";
            default -> method.toLowerCase();
        };
        return new Request(verb, group, resource, name, line);
    }

    private static boolean allowed(Role role, Request request) {
        for (PolicyRule rule : role.getRules()) {
            if (rule.getApiGroups().contains(request.group()) && rule.getResources().contains(request.resource())
                    && rule.getVerbs().contains(request.verb())
                    && (rule.getResourceNames().isEmpty() || rule.getResourceNames().contains(request.name()))) {
                return true;
            }
        }
        return false;
    }

    /** Self reviews are open to every authenticated user (ClusterRole system:basic-user). */
    private static boolean anyUserMaySend(Request request) {
        return request.group().equals("authorization.k8s.io") && request.verb().equals("create")
                && request.resource().startsWith("selfsubject");
    }

    /** The Quarkus Operator SDK applies the generated CRD in dev and test mode, never in prod. */
    private static boolean testModeOnly(Request request) {
        return request.group().equals("apiextensions.k8s.io") && request.resource().equals("customresourcedefinitions");
    }

    private static Role role() throws Exception {
        return new KubernetesSerialization().unmarshal(Files.readString(Path.of("k8s", "03-role.yaml")), Role.class);
    }

    private static MqttReplication get(KubernetesClient client, String namespace) {
        return client.resources(MqttReplication.class).inNamespace(namespace).withName("requests").get();
    }

    private static void awaitReady(KubernetesClient client, String namespace, String ready) {
        await().atMost(TIMEOUT).until(() -> {
            MqttReplication resource = get(client, namespace);
            return resource != null && resource.getStatus() != null && resource.getStatus().getConditions().stream()
                    .filter(condition -> condition.getType().equals(Conditions.READY)).map(Condition::getStatus)
                    .anyMatch(ready::equals);
        });
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
