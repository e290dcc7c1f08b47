package io.mqttreplicator.engine;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** A scheduler whose periodic task (the merge tick) runs only when a test calls {@link #tick()}. */
final class ManualScheduler extends ScheduledThreadPoolExecutor {

    private volatile Runnable periodic;

    ManualScheduler() {
        super(1);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        periodic = command;
        return schedule(() -> { }, 365, TimeUnit.DAYS);
    }

    /** Runs the periodic task once, on the calling thread. */
    void tick() {
        if (periodic == null) {
            throw new IllegalStateException("nothing scheduled yet");
        }
        periodic.run();
    }
}
