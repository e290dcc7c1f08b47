package io.mqttreplicator.broker;

import com.hivemq.client.internal.mqtt.MqttClientConfig;
import com.hivemq.client.internal.mqtt.MqttClientConnectionConfig;
import com.hivemq.client.internal.mqtt.mqtt3.Mqtt3ClientConfigView;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import java.lang.reflect.Field;

/**
 * The Netty channel of the HiveMQ client's connection, where the channel's own handlers go
 * ({@link PublishReceiver}, {@link FlushBatching}). The client offers no hook into its pipeline:
 * the channel comes from its internal connection configuration, which the connected context of an
 * MQTT 5 client is, and an MQTT 3.1.1 client's view wraps in a private field. A test pins the
 * client version this was written for.
 */
final class ClientPipeline {

    private static final Field MQTT3_CONFIG = mqtt3ConfigField();

    private ClientPipeline() {
    }

    /**
     * The connection just made (its channel, and what the broker's CONNACK allows); call from the
     * client's connected listener. Throws IllegalStateException when the client's internals are not
     * as expected.
     */
    static MqttClientConnectionConfig connection(MqttClientConnectedContext context) {
        try {
            Object config = context.getClientConfig();
            if (config instanceof Mqtt3ClientConfigView view && MQTT3_CONFIG != null) {
                config = MQTT3_CONFIG.get(view);
            }
            if (config instanceof MqttClientConfig internal) {
                MqttClientConnectionConfig connection = internal.getRawConnectionConfig();
                if (connection != null) {
                    return connection;
                }
            }
        } catch (IllegalAccessException | RuntimeException e) {
            throw new IllegalStateException(unreachable(), e);
        }
        throw new IllegalStateException(unreachable());
    }

    private static String unreachable() {
        return "the MQTT client's connection pipeline is out of reach (HiveMQ MQTT client "
                + MqttClientConfig.class.getPackage().getImplementationVersion() + "): messages cannot be received";
    }

    private static Field mqtt3ConfigField() {
        try {
            Field field = Mqtt3ClientConfigView.class.getDeclaredField("delegate");
            field.setAccessible(true);
            return field;
        } catch (NoSuchFieldException | RuntimeException e) {
            return null;
        }
    }
}
