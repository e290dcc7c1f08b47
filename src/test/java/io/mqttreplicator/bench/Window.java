package io.mqttreplicator.bench;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A bound on messages in flight: the publisher thread takes a place per message, reader threads give places back as
 * acknowledgements or arrivals come in. A publisher that finds no place waits until a batch of places (a sixteenth
 * of the bound, at most 1,024) is free, and only then is it woken: it wakes, and writes, once per batch rather than
 * once per message, and the threads giving places back do not wake it for each one.
 */
final class Window {

    private final int size;
    private final int batch;
    private final AtomicInteger free;
    private volatile Thread waiter;
    private volatile int wanted;

    Window(int size) {
        this.size = size;
        this.batch = Math.max(1, Math.min(size / 16, 1024));
        this.free = new AtomicInteger(size);
    }

    int size() {
        return size;
    }

    int free() {
        return free.get();
    }

    /** Takes a place if one is free, without waiting. */
    boolean tryTake() {
        int now;
        do {
            now = free.get();
            if (now <= 0) {
                return false;
            }
        } while (!free.compareAndSet(now, now - 1));
        return true;
    }

    /** Takes a place, waiting (at most the timeout) for a batch to be free, or, after the timeout, for any place. */
    boolean take(long timeoutNanos) throws InterruptedException {
        return tryTake() || awaitFree(batch, timeoutNanos) && tryTake() || tryTake();
    }

    void give(int places) {
        int now = free.addAndGet(places);
        Thread current = waiter;
        if (current != null && now >= wanted) {
            LockSupport.unpark(current);
        }
    }

    /** Waits until {@code places} are free, at most the timeout; returns whether they are. One waiter at a time. */
    boolean awaitFree(int places, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        wanted = places;
        waiter = Thread.currentThread();
        try {
            while (free.get() < places) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
            return true;
        } finally {
            waiter = null;
        }
    }
}
