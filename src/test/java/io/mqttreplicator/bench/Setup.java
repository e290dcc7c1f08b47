package io.mqttreplicator.bench;

import java.util.Map;
import java.util.OptionalLong;

/** Two brokers, a source and a target, and whatever links them; everything started for one run and closed after. */
interface Setup extends AutoCloseable {

    /** "R" (the replicator), "M" (a Mosquitto bridge) or "N" (the Node.js MQTT_Replicator). */
    String name();

    int sourcePort();

    int targetPort();

    /** The processes whose CPU time is reported, by label, the linking process first. */
    Map<String, Long> measuredProcesses();

    /** The replicator's pid (R) or the reference's (N), whose memory is reported; empty for the bridge. */
    OptionalLong replicatorPid();

    /** False once the link has died (a process exited): waiting for it is pointless. */
    boolean linkAlive();

    /** Where to look when the link did not come up or died. */
    String diagnostics();

    @Override
    void close();
}
