package io.mqttreplicator.broker;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * Lets one connection's writes of an event-loop pass go out in one system call.
 * <p>
 * The HiveMQ client writes and flushes each publish on its own, and the acknowledgements of
 * received messages are flushed once per batch ({@link PublishReceiver}), so under load each flush
 * cost a {@code write} of a few bytes here and a read on the broker. When the client still wrote
 * every acknowledgement itself, that write was the single largest cost of its event loop in
 * profiles (16 %); batched, a 200,000-topic state sync took 7.2 s instead of 8.8 s and 4.5 s of the
 * replicator's CPU instead of 6.8 s. Netty's {@link FlushConsolidationHandler} at the head of the
 * connection's pipeline turns the flushes of one pass into few: those during a read go out when
 * the read completes, the others in a flush task queued behind the pass's other tasks, and every
 * 8th at once.
 * <p>
 * The channel comes from {@link ClientPipeline}.
 */
final class FlushBatching {

    static final String HANDLER_NAME = "mqtt-replicator-flush-batching";
    /**
     * Flushes held back before one goes out anyway. Netty's default of 256 let a burst of
     * acknowledgements wait for the end of the pass, which slows a broker that allows few messages
     * in flight (Mosquitto's default is 20): a 40,000-message backlog caught up in 17-18 s after a
     * 20 s outage, against 13 s with no batching; with 8 in 15 s, and the state sync kept its gain.
     */
    private static final int FLUSHES_BEFORE_ONE_GOES_OUT = 8;

    private FlushBatching() {
    }

    /** Adds the handler to the pipeline of the connection just made. */
    static void install(Channel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(HANDLER_NAME) == null) {
            pipeline.addFirst(HANDLER_NAME, new FlushConsolidationHandler(FLUSHES_BEFORE_ONE_GOES_OUT, true));
        }
    }
}
