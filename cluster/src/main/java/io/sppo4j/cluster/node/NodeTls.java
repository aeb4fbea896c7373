package io.sppo4j.cluster.node;

import com.typesafe.config.Config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS context of a node's own connections (weight transfers) from the same key and trust
 * stores as remoting ({@code sppo4j.cluster.tls}), so one set of certificates secures both.
 */
public final class NodeTls {

    private NodeTls() {}

    /** The context, or null when TLS is off. */
    public static SSLContext context(Config settings) {
        if (!settings.getBoolean("sppo4j.cluster.tls.enabled")) {
            return null;
        }
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(settings, "key-store"),
                    settings.getString("sppo4j.cluster.tls.key-password").toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load(settings, "trust-store"));
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("sppo4j.cluster.tls: cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(Config settings, String store) throws GeneralSecurityException, IOException {
        Path file = Path.of(settings.getString("sppo4j.cluster.tls." + store));
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("sppo4j.cluster.tls." + store + ": no such file " + file);
        }
        // PKCS12 and JKS are both read by the default type on Java 9+.
        KeyStore keyStore = KeyStore.getInstance(KeyStore.getDefaultType());
        try (InputStream in = Files.newInputStream(file)) {
            keyStore.load(in, settings.getString("sppo4j.cluster.tls." + store + "-password").toCharArray());
        }
        return keyStore;
    }
}
