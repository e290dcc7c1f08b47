package io.mqttreplicator;

import io.mqttreplicator.replication.ReplicationManager;
import io.mqttreplicator.standalone.ProcessEnvironment;
import io.mqttreplicator.standalone.StandaloneLauncher;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;

/** Starts the replication the MQTTREP_* variables describe, or stops with one line per problem. */
@QuarkusMain
public class Main implements QuarkusApplication {

    @Inject
    ReplicationManager manager;

    @Inject
    ProcessEnvironment environment;

    @Override
    public int run(String... args) {
        int exitCode = StandaloneLauncher.run(environment.variables(), System.err, manager::apply);
        if (exitCode == 0) {
            Quarkus.waitForExit();
        }
        return exitCode;
    }
}
