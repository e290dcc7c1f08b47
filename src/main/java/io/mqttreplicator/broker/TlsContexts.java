package io.mqttreplicator.broker;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import io.mqttreplicator.broker.BrokerSettings.TlsSettings;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds the HiveMQ client's TLS configuration from PEM text: trusted CA certificates, and a client
 * certificate with its key for mutual TLS. Keys may be PKCS#8 ({@code PRIVATE KEY}), PKCS#1
 * ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}); encrypted keys are not supported.
 */
final class TlsContexts {

    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
    private static final char[] NO_PASSWORD = new char[0];

    private TlsContexts() {
    }

    /** Throws IllegalArgumentException when the PEM material cannot be used, naming which part. */
    static MqttClientSslConfig sslConfig(TlsSettings tls) {
        MqttClientSslConfigBuilder builder = MqttClientSslConfig.builder();
        if (!tls.verifyServer()) {
            builder.trustManagerFactory(InsecureTrustManagerFactory.INSTANCE)
                    .hostnameVerifier((hostname, session) -> true);
        } else {
            builder.trustManagerFactory(ExplainingTrustManager.factory(tls.caPem().isPresent()
                    ? trustManagerFactory(tls.caPem().get()) : ExplainingTrustManager.jvmDefault()));
        }
        if (tls.clientCertificatePem().isPresent() != tls.clientKeyPem().isPresent()) {
            throw new IllegalArgumentException("TLS client authentication needs both a client certificate and its key");
        }
        if (tls.clientCertificatePem().isPresent()) {
            builder.keyManagerFactory(keyManagerFactory(tls.clientCertificatePem().get(), tls.clientKeyPem().get()));
        }
        return builder.build();
    }

    static TrustManagerFactory trustManagerFactory(String caPem) {
        try {
            List<Certificate> certificates = certificates(caPem, "CA");
            KeyStore store = emptyKeyStore();
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("TLS CA certificates are not usable: " + e.getMessage(), e);
        }
    }

    static KeyManagerFactory keyManagerFactory(String certificatePem, String keyPem) {
        try {
            List<Certificate> chain = certificates(certificatePem, "client");
            PrivateKey key = privateKey(keyPem);
            KeyStore store = emptyKeyStore();
            store.setKeyEntry("client", key, NO_PASSWORD, chain.toArray(new Certificate[0]));
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, NO_PASSWORD);
            return factory;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("TLS client certificate or key is not usable: " + e.getMessage(), e);
        }
    }

    private static List<Certificate> certificates(String pem, String what) throws GeneralSecurityException {
        Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("no " + what + " certificate found in the PEM text");
        }
        return new ArrayList<>(certificates);
    }

    private static KeyStore emptyKeyStore() throws GeneralSecurityException, java.io.IOException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        return store;
    }

    static PrivateKey privateKey(String pem) throws GeneralSecurityException {
        Matcher block = PEM_BLOCK.matcher(pem);
        while (block.find()) {
            String type = block.group(1);
            byte[] der = Base64.getMimeDecoder().decode(block.group(2).trim());
            switch (type) {
                case "PRIVATE KEY":
                    return pkcs8(der);
                case "RSA PRIVATE KEY":
                    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(rsaToPkcs8(der)));
                case "EC PRIVATE KEY":
                    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(ecToPkcs8(der)));
                case "ENCRYPTED PRIVATE KEY":
                    throw new IllegalArgumentException("encrypted private keys are not supported");
                default:
                    // e.g. "EC PARAMETERS" in front of an EC key
            }
        }
        throw new IllegalArgumentException("no private key found in the PEM text");
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException wrongAlgorithm) {
                last = wrongAlgorithm;
            }
        }
        throw last;
    }

    private static final byte[] RSA_ALGORITHM = {
            0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    /** PKCS#8 PrivateKeyInfo around a PKCS#1 RSAPrivateKey. */
    private static byte[] rsaToPkcs8(byte[] pkcs1) {
        return sequence(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, tlv(0x04, pkcs1));
    }

    /** PKCS#8 PrivateKeyInfo around a SEC1 ECPrivateKey, taking the curve from its [0] parameters. */
    private static byte[] ecToPkcs8(byte[] sec1) {
        byte[] curve = null;
        Der outer = new Der(sec1, 0);
        Der field = new Der(sec1, outer.contentStart);
        while (field.end() <= outer.end()) {
            if ((sec1[field.start] & 0xff) == 0xa0) {
                curve = java.util.Arrays.copyOfRange(sec1, field.contentStart, field.end());
                break;
            }
            if (field.end() == outer.end()) {
                break;
            }
            field = new Der(sec1, field.end());
        }
        if (curve == null) {
            throw new IllegalArgumentException("EC private key without curve parameters");
        }
        return sequence(new byte[] {0x02, 0x01, 0x00}, sequence(EC_PUBLIC_KEY_OID, curve), tlv(0x04, sec1));
    }

    private static byte[] sequence(byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            content.writeBytes(part);
        }
        return tlv(0x30, content.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
        out.write(tag);
        int length = value.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
            out.write(0x80 | bytes);
            for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
                out.write((length >>> shift) & 0xff);
            }
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    /** The position of one DER element: tag at {@code start}, content from {@code contentStart}. */
    private static final class Der {
        final int start;
        final int contentStart;
        final int length;

        Der(byte[] der, int start) {
            this.start = start;
            int first = der[start + 1] & 0xff;
            if (first < 0x80) {
                length = first;
                contentStart = start + 2;
            } else {
                int bytes = first & 0x7f;
                int value = 0;
                for (int i = 0; i < bytes; i++) {
                    value = (value << 8) | (der[start + 2 + i] & 0xff);
                }
                length = value;
                contentStart = start + 2 + bytes;
            }
        }

        int end() {
            return contentStart + length;
        }
    }
}
