package io.mqttreplicator.bench;

/** Pauses of the polling loops; an interrupt ends the pause early and is kept for the caller to see. */
final class Sleep {

    private Sleep() {
    }

    static void millis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
