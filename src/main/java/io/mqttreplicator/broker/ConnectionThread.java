package io.mqttreplicator.broker;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ThreadPerTaskExecutor;
import java.util.concurrent.Executor;

/**
 * The thread of one replication's broker connections: every {@link BrokerChannel} made with the
 * same instance runs on one Netty event loop there. A message then goes from its source connection
 * through the engine to its targets' connections, and their acknowledgements come back, without a
 * hand-over between threads; with the client's default, a loop per connection out of a shared
 * pool (twice as many threads as cores), each message woke another thread twice. On 2 shared cores (bench/run, 200,000 messages, three
 * alternating runs each) the replicator's CPU per message fell by 26-36 % at the same or a higher
 * throughput. The price: a replication's connections use at most one core. Replications run on
 * threads of their own, and a shared rule spreads one replication over several instances
 * (docs/scale-out.md).
 * <p>
 * The loop starts with the first connection and ends with the last one closed; a later connection
 * starts it again on a new thread.
 */
public final class ConnectionThread implements Executor {

    private final Executor threads;

    /** @param replication names the thread: {@code mqtt-replicator-<replication>-...} */
    public ConnectionThread(String replication) {
        this.threads = new ThreadPerTaskExecutor(new DefaultThreadFactory("mqtt-replicator-" + replication, false,
                Thread.MAX_PRIORITY));
    }

    @Override
    public void execute(Runnable command) {
        threads.execute(command);
    }
}
