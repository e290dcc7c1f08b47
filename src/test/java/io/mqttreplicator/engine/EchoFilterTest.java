package io.mqttreplicator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EchoFilterTest {

    private static final long EXPIRY = TimeUnit.SECONDS.toNanos(60);
    private final EchoFilter echoes = new EchoFilter(EXPIRY);
    private final byte[] on = "on".getBytes(StandardCharsets.UTF_8);
    private final long onPrint = EchoFilter.fingerprint(on);

    @Test
    void expectsOneEchoPerPublishInFlightTaggedWithTheLatestTag() {
        echoes.expect("lamp", onPrint, on.length, 1, 7, 0);
        echoes.expect("lamp", onPrint, on.length, 1, 9, 0);

        assertThat(echoes.consume("lamp", onPrint, on.length, 1)).isEqualTo(9);
        assertThat(echoes.consume("lamp", onPrint, on.length, 1)).isEqualTo(9);
        assertThat(echoes.consume("lamp", onPrint, on.length, 1)).isEqualTo(EchoFilter.NOT_AN_ECHO);
        assertThat(echoes.isEmpty()).isTrue();
    }

    @Test
    void aDifferentTopicOrPayloadIsNoEcho() {
        echoes.expect("lamp", onPrint, on.length, 1, 0, 0);
        byte[] off = "off".getBytes(StandardCharsets.UTF_8);

        assertThat(echoes.consume("lamp2", onPrint, on.length, 1)).isEqualTo(EchoFilter.NOT_AN_ECHO);
        assertThat(echoes.consume("lamp", EchoFilter.fingerprint(off), off.length, 1)).isEqualTo(EchoFilter.NOT_AN_ECHO);
        assertThat(echoes.consume("lamp", onPrint, on.length, 1)).isZero();
    }

    @Test
    void expectationsLapseAfterTheExpiry() {
        echoes.expect("lamp", onPrint, on.length, 2, 0, 0);

        assertThat(echoes.consume("lamp", onPrint, on.length, EXPIRY)).isEqualTo(EchoFilter.NOT_AN_ECHO);
        assertThat(echoes.isEmpty()).isTrue();
    }

    @Test
    void aSweepDropsLapsedExpectationsOnly() {
        echoes.expect("old", onPrint, on.length, 1, 0, 0);
        echoes.expect("new", onPrint, on.length, 1, 0, EXPIRY / 2);

        echoes.sweep(EXPIRY);

        assertThat(echoes.size()).isEqualTo(1);
        assertThat(echoes.consume("new", onPrint, on.length, EXPIRY)).isZero();
    }

    @Test
    void aFailedPublishWithdrawsItsEchoes() {
        echoes.expect("lamp", onPrint, on.length, 2, 0, 0);

        echoes.withdraw("lamp", onPrint, on.length, 2, 1);

        assertThat(echoes.consume("lamp", onPrint, on.length, 1)).isEqualTo(EchoFilter.NOT_AN_ECHO);
    }

    @Test
    void fingerprintsDifferForDifferentPayloadsAndAreNeverZero() {
        Set<String> payloads = new HashSet<>();
        Set<Long> prints = new HashSet<>();
        for (int length = 0; length < 40; length++) {
            for (int value = 0; value < 50; value++) {
                byte[] payload = new byte[length];
                if (length > 0) {
                    payload[value % length] = (byte) value;
                }
                payloads.add(Arrays.toString(payload));
                long print = EchoFilter.fingerprint(payload);
                assertThat(print).isNotZero();
                prints.add(print);
            }
        }
        assertThat(prints).hasSameSizeAs(payloads);
        assertThat(EchoFilter.fingerprint("abcdefghij".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(EchoFilter.fingerprint("abcdefghij".getBytes(StandardCharsets.UTF_8)))
                .isNotEqualTo(EchoFilter.fingerprint("abcdefghik".getBytes(StandardCharsets.UTF_8)));
    }
}
