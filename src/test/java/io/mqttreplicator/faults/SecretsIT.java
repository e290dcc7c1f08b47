package io.mqttreplicator.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.ReplicatorProgram;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Passwords given in MQTTREP_CONFIG never appear in anything the program prints, debug logging included. */
class SecretsIT {

    private static final String REFUSED_PASSWORD = "Wr0ng-Battery-7f3a9c";
    private static final String ACCEPTED_PASSWORD = "R1ght-Staple-51e0d2";
    private static final String MISSPELLED_KEY_VALUE = "Typo-Secret-c8b4e6";

    @Test
    void passwordsNeverAppearInTheOutputWhetherTheBrokerAcceptsOrRefusesThem() {
        try (MosquittoBroker refusing = MosquittoBroker.builder().name("refusing").allowAnonymous(false)
                        .user("replicator", "the-real-one-3e9d").start();
                MosquittoBroker accepting = MosquittoBroker.builder().name("accepting").allowAnonymous(false)
                        .user("replicator", ACCEPTED_PASSWORD).start()) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("MQTTREP_CLIENT_refusing", refusing.url());
            env.put("MQTTREP_CLIENT_accepting", accepting.url());
            env.put("MQTTREP_CONFIG_refusing", "{\"username\": \"replicator\", \"password\": \"" + REFUSED_PASSWORD + "\"}");
            env.put("MQTTREP_CONFIG_accepting", "{\"username\": \"replicator\", \"password\": \"" + ACCEPTED_PASSWORD
                    + "\", \"passwrd\": \"" + MISSPELLED_KEY_VALUE + "\"}");
            env.put("MQTTREP_TOPIC_t", "t/#");
            // as much as the program can say about its brokers and the client library
            env.put("QUARKUS_LOG_CATEGORY__IO_MQTTREPLICATOR__LEVEL", "DEBUG");
            env.put("QUARKUS_LOG_CATEGORY__COM_HIVEMQ__LEVEL", "DEBUG");
            try (ReplicatorProgram replicator = ReplicatorProgram.start("secrets", env)) {
                replicator.awaitOutput("Broker 'accepting': connected to", 1, Duration.ofSeconds(60));
                replicator.awaitOutput("Broker 'refusing' at " + refusing.url() + " refused the connection", 1, Duration.ofSeconds(60));
                replicator.awaitOutput("passwrd", 1, Duration.ofSeconds(10));
                replicator.stop();

                String output = replicator.output();
                assertThat(output).contains("NOT_AUTHORIZED", "Stopping replication")
                        .doesNotContain(REFUSED_PASSWORD)
                        .doesNotContain(ACCEPTED_PASSWORD)
                        .doesNotContain(MISSPELLED_KEY_VALUE);
                assertThat(refusing.countInLog("not authorised")).as("the refusing broker saw the attempts").isPositive();
            }
        }
    }
}
