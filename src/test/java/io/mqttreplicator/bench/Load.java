package io.mqttreplicator.bench;

import com.hivemq.client.mqtt.datatypes.MqttQos;

/**
 * One kind of traffic: how many messages, at which QoS, how fast, on which topics.
 *
 * @param name          short name used on the command line ({@code qos0}, {@code qos1}, {@code rate}, {@code state})
 * @param description   what the report calls it
 * @param qos           subscription QoS and the replication rule's / bridge topic's QoS
 * @param publishQos    QoS of the publisher on the source broker (the state load can publish below {@code qos})
 * @param messages      number of measured messages
 * @param ratePerSecond 0 = as fast as the bounded in-flight window allows; otherwise a steady rate
 * @param distinctTopics false: every message on {@link #STREAM_TOPIC}; true: message n on {@code bench/state/n}
 * @param retained      publish with the retain flag
 * @param openLoop      the publisher is not paced by the target: no backlog bound, as fast as the source broker
 *                      takes messages (real producers do not wait for the replication)
 */
record Load(String name, String description, MqttQos qos, MqttQos publishQos, int messages, int ratePerSecond, boolean distinctTopics,
            boolean retained, boolean openLoop) {

    static final String STREAM_TOPIC = "bench/load";
    static final String STATE_PREFIX = "bench/state/";

    String topic(long sequence) {
        return distinctTopics ? STATE_PREFIX + sequence : STREAM_TOPIC;
    }

    /** The topic probes travel on: inside the replicated filter, outside the measured topics. */
    String probeTopic() {
        return distinctTopics ? STATE_PREFIX + "probe" : "bench/probe";
    }

    String warmupTopic() {
        return distinctTopics ? STATE_PREFIX + "warmup" : "bench/warmup";
    }

    String subscriptionFilter() {
        return distinctTopics ? STATE_PREFIX + "#" : "bench/#";
    }

    boolean isState() {
        return distinctTopics;
    }
}
