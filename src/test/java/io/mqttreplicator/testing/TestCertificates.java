package io.mqttreplicator.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Certificates made by the tests, as PEM text: a CA, and server and client certificates signed by
 * it. Keys are EC P-256; private keys are PKCS#8 ({@code BEGIN PRIVATE KEY}), which Mosquitto and
 * the channel both read.
 * <pre>
 * TestCertificates.Authority ca = TestCertificates.authority("test CA");
 * TestCertificates.Issued server = ca.server("127.0.0.1", "localhost");
 * TestCertificates.Issued client = ca.client("replicator");
 * </pre>
 */
public final class TestCertificates {

    private static final Duration VALIDITY = Duration.ofDays(2);
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestCertificates() {
    }

    /** A certificate with its private key, both PEM. */
    public record Issued(String certificatePem, String privateKeyPem) {
        @Override
        public String toString() {
            return "Issued[certificate, key ***]";
        }
    }

    /** A new self-signed CA. */
    public static Authority authority(String commonName) {
        KeyPair keys = newKeyPair();
        X500Name name = new X500Name("CN=" + commonName);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(name, name, keys)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
            return new Authority(name, keys, sign(builder, keys.getPrivate()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A CA that signs server and client certificates. */
    public static final class Authority {
        private final X500Name name;
        private final KeyPair keys;
        private final X509Certificate certificate;

        private Authority(X500Name name, KeyPair keys, X509Certificate certificate) {
            this.name = name;
            this.keys = keys;
            this.certificate = certificate;
        }

        public String certificatePem() {
            return pem(certificate);
        }

        /**
         * A server certificate whose subject alternative names are the given host names and IP
         * addresses (the common name is the first of them).
         */
        public Issued server(String... hosts) {
            List<GeneralName> names = new ArrayList<>();
            for (String host : hosts) {
                boolean ip = host.chars().allMatch(c -> Character.isDigit(c) || c == '.') || host.contains(":");
                names.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, host));
            }
            return issue(hosts[0], KeyPurposeId.id_kp_serverAuth,
                    new GeneralNames(names.toArray(new GeneralName[0])));
        }

        /** A client certificate; Mosquitto's {@code use_identity_as_username} takes the common name as user name. */
        public Issued client(String commonName) {
            return issue(commonName, KeyPurposeId.id_kp_clientAuth, null);
        }

        private Issued issue(String commonName, KeyPurposeId purpose, GeneralNames alternativeNames) {
            KeyPair subjectKeys = newKeyPair();
            try {
                JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
                X509v3CertificateBuilder builder = builder(name, new X500Name("CN=" + commonName), subjectKeys)
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                        .addExtension(Extension.authorityKeyIdentifier, false,
                                extensions.createAuthorityKeyIdentifier(certificate));
                if (alternativeNames != null) {
                    builder.addExtension(Extension.subjectAlternativeName, false, alternativeNames);
                }
                return new Issued(pem(sign(builder, keys.getPrivate())), pem(subjectKeys.getPrivate()));
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKeys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, subjectKeys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            if (object instanceof PrivateKey key) {
                writer.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
            } else {
                writer.writeObject(object);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }
}
