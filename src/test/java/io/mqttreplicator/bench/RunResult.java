package io.mqttreplicator.bench;

import java.util.Map;

/**
 * What one run of one load through one setup measured.
 *
 * @param published     messages the publisher sent (and the source broker acknowledged, for QoS 1)
 * @param delivered     distinct measured messages that arrived on the target's subscriber
 * @param duplicates    arrivals beyond the first of a message
 * @param reordered     first arrivals with a lower sequence number than one already seen
 * @param seconds       first send to last arrival
 * @param publishSeconds first send until the source broker acknowledged the last message
 * @param cpuSeconds    CPU time (user + system) each measured process used from the first send to the last arrival
 * @param rssMiB        the replicator's VmRSS at the end (NaN for the bridge)
 * @param peakRssMiB    the replicator's VmHWM at the end: its peak since it started (NaN for the bridge)
 * @param gcSeconds     time the replicator's collectors took during the run, from jstat's GCT (NaN for the bridge
 *                      and the reference)
 * @param readySeconds  from starting the setup until the first probe came through
 * @param problem       why the run is incomplete (timeout, stall, link down) or what went wrong on the way (a broker
 *                      dropped messages for a client), or null
 */
record RunResult(Load load, String setup, int repetition, int published, int delivered, int duplicates,
                 int reordered, double seconds, double publishSeconds, double p50Millis, double p99Millis, double maxMillis,
                 Map<String, Double> cpuSeconds, double rssMiB, double peakRssMiB, double gcSeconds, double readySeconds,
                 String problem) {

    static RunResult failed(Load load, String setup, int repetition, String problem) {
        return new RunResult(load, setup, repetition, 0, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Map.of(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, problem);
    }

    RunResult withProblem(String problem) {
        return new RunResult(load, setup, repetition, published, delivered, duplicates, reordered, seconds, publishSeconds,
                p50Millis, p99Millis, maxMillis, cpuSeconds, rssMiB, peakRssMiB, gcSeconds, readySeconds, problem);
    }

    int lost() {
        return Math.max(0, published - delivered);
    }

    double messagesPerSecond() {
        return seconds > 0 ? delivered / seconds : Double.NaN;
    }
}
