package io.mqttreplicator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WindowTest {

    private static final long SHORT = Duration.ofMillis(50).toNanos();
    private static final long LONG = Duration.ofSeconds(10).toNanos();

    @Test
    void takeGivesUpAfterTheTimeoutWhenNoPlaceComesBack() throws InterruptedException {
        Window window = new Window(1);
        assertThat(window.tryTake()).isTrue();

        assertThat(window.tryTake()).isFalse();
        assertThat(window.take(SHORT)).isFalse();
    }

    @Test
    void aPlaceBackThatIsLessThanABatchStillCountsOnceTheTimeoutPassed() throws InterruptedException {
        Window window = new Window(32); // batches of 2
        for (int i = 0; i < 32; i++) {
            assertThat(window.tryTake()).isTrue();
        }
        window.give(1);

        assertThat(window.take(SHORT)).as("one place, not a batch: taken after the timeout").isTrue();
        assertThat(window.free()).isZero();
    }

    @Test
    void aWaitingPublisherGoesOnWhenABatchComesBackFromAnotherThread() throws Exception {
        Window window = new Window(1600); // batches of 100
        for (int i = 0; i < 1600; i++) {
            window.tryTake();
        }
        CompletableFuture<Boolean> taken = CompletableFuture.supplyAsync(() -> {
            try {
                return window.take(LONG);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        for (int i = 0; i < 100; i++) {
            window.give(1);
        }

        assertThat(taken.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(window.free()).isEqualTo(99);
    }

    @Test
    void awaitFreeReturnsOnceEveryPlaceIsBack() throws Exception {
        Window window = new Window(10);
        for (int i = 0; i < 10; i++) {
            window.tryTake();
        }
        CompletableFuture<Boolean> allBack = CompletableFuture.supplyAsync(() -> {
            try {
                return window.awaitFree(10, LONG);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        window.give(9);
        assertThat(allBack).isNotDone();
        window.give(1);

        assertThat(allBack.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(window.free()).isEqualTo(10);
    }
}
