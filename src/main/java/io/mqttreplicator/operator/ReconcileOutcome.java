package io.mqttreplicator.operator;

import java.util.List;

/** What a reconciliation did with a resource; the status is built from it and the brokers' connections. */
sealed interface ReconcileOutcome {

    /** The resource's definition runs. */
    record Running() implements ReconcileOutcome {
    }

    /** spec.paused: nothing runs, the resource is kept. */
    record Paused() implements ReconcileOutcome {
    }

    /**
     * The spec is invalid. A replication that ran before keeps running its last valid definition.
     *
     * @param problems one per field
     */
    record InvalidSpec(List<String> problems) implements ReconcileOutcome {
    }

    /**
     * Referenced Secrets are missing or unusable; {@code notFound} when at least one is missing. A
     * replication that ran before keeps its last resolved credentials.
     */
    record UnresolvedRefs(List<String> problems, boolean notFound) implements ReconcileOutcome {
    }

    /** An unexpected error; the reconciliation is retried. */
    record Failed(String message) implements ReconcileOutcome {
    }
}
