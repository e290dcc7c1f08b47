package io.mqttreplicator.broker;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JVM's trust manager, with failures an operator can act on: the JVM says "PKIX path building
 * failed" or "No subject alternative names matching ...", this says which certificate, issued by
 * whom, was not trusted, or which names it has instead of the host. The checks themselves are the
 * JVM's, unchanged.
 */
final class ExplainingTrustManager extends X509ExtendedTrustManager {

    private final X509ExtendedTrustManager delegate;

    private ExplainingTrustManager(X509ExtendedTrustManager delegate) {
        this.delegate = delegate;
    }

    /** A factory whose trust managers explain the failures of those of {@code trusted}. */
    static TrustManagerFactory factory(TrustManagerFactory trusted) {
        List<TrustManager> managers = new ArrayList<>();
        for (TrustManager manager : trusted.getTrustManagers()) {
            managers.add(manager instanceof X509ExtendedTrustManager extended ? new ExplainingTrustManager(extended) : manager);
        }
        TrustManager[] result = managers.toArray(new TrustManager[0]);
        return new TrustManagerFactory(new TrustManagerFactorySpi() {
            @Override
            protected void engineInit(KeyStore keyStore) {
            }

            @Override
            protected void engineInit(ManagerFactoryParameters parameters) {
            }

            @Override
            protected TrustManager[] engineGetTrustManagers() {
                return result.clone();
            }
        }, trusted.getProvider(), trusted.getAlgorithm()) {
        };
    }

    /** The JVM's default trust store (cacerts). */
    static TrustManagerFactory jvmDefault() {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null);
            return factory;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JVM's default trust store is not usable: " + e.getMessage(), e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType, engine);
        } catch (CertificateException failure) {
            throw explained(chain, authType, engine == null ? null : engine.getPeerHost(), failure);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType, socket);
        } catch (CertificateException failure) {
            String host = socket == null || socket.getInetAddress() == null ? null : socket.getInetAddress().getHostName();
            throw explained(chain, authType, host, failure);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType);
        } catch (CertificateException failure) {
            throw explained(chain, authType, null, failure);
        }
    }

    private CertificateException explained(X509Certificate[] chain, String authType, String host,
            CertificateException failure) {
        if (chain == null || chain.length == 0) {
            return failure;
        }
        X509Certificate certificate = chain[0];
        String subject = certificate.getSubjectX500Principal().getName();
        boolean chainTrusted;
        try {
            // without the engine, the JVM checks the chain but not the host name
            delegate.checkServerTrusted(chain, authType);
            chainTrusted = true;
        } catch (CertificateException untrusted) {
            chainTrusted = false;
        }
        String message;
        if (chainTrusted) {
            message = "the broker's certificate (" + subject + ", names " + alternativeNames(certificate)
                    + ") does not match the host " + (host == null ? "connected to" : host) + ": " + failure.getMessage();
        } else {
            message = "the broker's certificate is not trusted: " + subject + " issued by "
                    + certificate.getIssuerX500Principal().getName() + ", not signed by a trusted CA ("
                    + rootMessage(failure) + ")";
        }
        return new CertificateException(message, failure);
    }

    /** "unable to find valid certification path to requested target", without the wrappers' class names. */
    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? failure.getMessage() : root.getMessage();
    }

    private static List<String> alternativeNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> alternative : alternatives) {
                    names.add(String.valueOf(alternative.get(1)));
                }
            }
        } catch (CertificateParsingException unreadable) {
            names.add("unreadable");
        }
        return names;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
