package io.mqttreplicator.broker;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What a native executable needs for the HiveMQ MQTT client beyond what Quarkus registers by
 * itself. The client's outgoing QoS handler queues in a JCTools SpscUnboundedAtomicArrayQueue,
 * whose producer and consumer indices are moved by AtomicLongFieldUpdaters; an updater finds its
 * field by reflection, so the classes declaring those fields are registered here. So is the
 * MQTT 3.1.1 configuration view, whose private field {@link ClientPipeline} reads.
 *
 * <p>The client's static initialisers choose epoll or NIO and create RxJava's schedulers, which
 * start threads: its classes are initialised at run time instead
 * ({@code quarkus.native.additional-build-args} in application.properties).
 */
@RegisterForReflection(classNames = {
        "org.jctools.queues.atomic.SpscUnboundedAtomicArrayQueue",
        "org.jctools.queues.atomic.BaseSpscLinkedAtomicArrayQueueProducerFields",
        "org.jctools.queues.atomic.BaseSpscLinkedAtomicArrayQueueConsumerField",
        "com.hivemq.client.internal.mqtt.mqtt3.Mqtt3ClientConfigView"
}, fields = true)
final class HiveMqNativeImage {

    private HiveMqNativeImage() {
    }
}
