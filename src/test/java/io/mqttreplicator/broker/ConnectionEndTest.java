package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3DisconnectException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Who ended a connection, and why, as the log and the status's lastError say it, from what the
 * client reports. An MQTT 3.1.1 broker sends no DISCONNECT: a disconnect exception over 3.1.1 is
 * always the client's own decision.
 */
class ConnectionEndTest {

    @Test
    void aProtocolErrorTheClientSawOverMqtt311IsTheReplicatorsClose() {
        var error = new Mqtt3DisconnectException("DUP flag must be set for a resent QoS 1 PUBLISH", null);

        assertThat(BrokerChannel.endedBy(MqttDisconnectSource.CLIENT, error)).isEqualTo(ConnectionEnd.REPLICATOR);
        assertThat(BrokerChannel.describeEnd(MqttDisconnectSource.CLIENT, error))
                .isEqualTo("closed by the replicator: DUP flag must be set for a resent QoS 1 PUBLISH");
        assertThat(BrokerChannel.describe(error)).startsWith("closed by the replicator");
    }

    @Test
    void aKeepAliveTimeoutIsTheReplicatorsClose() {
        var error = new ConnectionClosedException("Timeout while waiting for PINGRESP");

        assertThat(BrokerChannel.endedBy(MqttDisconnectSource.CLIENT, error)).isEqualTo(ConnectionEnd.REPLICATOR);
        assertThat(BrokerChannel.describeEnd(MqttDisconnectSource.CLIENT, error))
                .isEqualTo("closed by the replicator: Timeout while waiting for PINGRESP");
    }

    @Test
    void aResetIsTheNetworks() {
        var error = new ConnectionClosedException(new IOException("Connection reset by peer"));

        assertThat(BrokerChannel.endedBy(MqttDisconnectSource.CLIENT, error)).isEqualTo(ConnectionEnd.NETWORK);
        assertThat(BrokerChannel.describeEnd(MqttDisconnectSource.CLIENT, error))
                .isEqualTo("connection lost: Connection reset by peer");
    }

    @Test
    void aSocketTheBrokerClosedIsTheBrokers() {
        var error = new ConnectionClosedException("Server closed connection without DISCONNECT.");

        assertThat(BrokerChannel.endedBy(MqttDisconnectSource.SERVER, error)).isEqualTo(ConnectionEnd.BROKER);
        assertThat(BrokerChannel.describeEnd(MqttDisconnectSource.SERVER, error)).isEqualTo("the broker closed the connection");
        assertThat(ConnectionEnd.BROKER.tag()).isEqualTo("broker");
    }
}
