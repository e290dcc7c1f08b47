package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The keys {@link PublishSender} files its unacknowledged publishes under. */
class PacketIdMixTest {

    @Test
    void everyPacketIdentifierGetsAKeyOfItsOwn() {
        Set<Integer> keys = new HashSet<>();
        for (int packetId = 0; packetId <= 65_535; packetId++) {
            keys.add(PublishSender.ByPacketId.mix(packetId));
        }
        assertThat(keys).hasSize(65_536);
    }

    /** Identifiers in sequence, as they are given out, fall into slots apart rather than into one run. */
    @Test
    void identifiersInSequenceAreSpreadOverTheTable() {
        int tableSlots = 8_192;
        boolean[] taken = new boolean[tableSlots];
        for (int packetId = 1; packetId <= tableSlots / 2; packetId++) {
            int slot = PublishSender.ByPacketId.mix(packetId) & (tableSlots - 1);
            while (taken[slot]) {
                slot = (slot + 1) & (tableSlots - 1);
            }
            taken[slot] = true;
        }
        int longestRun = 0;
        int run = 0;
        for (int i = 0; i < 2 * tableSlots; i++) {
            run = taken[i % tableSlots] ? run + 1 : 0;
            longestRun = Math.max(longestRun, Math.min(run, tableSlots));
        }
        assertThat(longestRun).as("longest run of taken slots at half load").isLessThan(64);
    }
}
