package io.mqttreplicator.broker;

/** The broker acknowledged a publish with an MQTT 5 error reason code (PUBACK or PUBREC). */
public class PublishRefusedException extends RuntimeException {

    private final String reasonCode;

    public PublishRefusedException(String broker, String topic, String reasonCode, Throwable cause) {
        super("broker '" + broker + "' refused a publish to '" + topic + "': " + reasonCode, cause);
        this.reasonCode = reasonCode;
    }

    /** The MQTT 5 reason code's name, e.g. {@code NOT_AUTHORIZED}. */
    public String reasonCode() {
        return reasonCode;
    }
}
