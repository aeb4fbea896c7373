package io.sppo4j.cluster.node;

import com.typesafe.config.Config;
import io.sppo4j.cluster.tls.TlsFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.pki.pem.DERPrivateKeyLoader;
import org.apache.pekko.pki.pem.PEMDecoder;
import org.apache.pekko.pki.pem.PEMLoadingException;

/**
 * The TLS context of a node's own connections (weight transfers) from the same PEM files as
 * remoting ({@code sppo4j.cluster.tls.directory}), read with the same PEM reader Pekko's
 * {@code RotatingKeysSSLEngineProvider} uses, so one Secret secures both and a key either
 * accepts the other accepts too. Mutual: each end presents its certificate and trusts only
 * certificates the cluster's CA signed.
 */
public final class NodeTls {

    /** Remoting's TLS version, and so the transfer connection's. */
    static final String PROTOCOL = "TLSv1.3";

    private NodeTls() {}

    /** The context, or null when TLS is off. */
    public static SSLContext context(Config settings) {
        if (!settings.getBoolean("sppo4j.cluster.tls.enabled")) {
            return null;
        }
        return context(TlsFiles.from(settings));
    }

    /** A mutual-TLS context presenting {@code files}' key and trusting only their CA. */
    public static SSLContext context(TlsFiles files) {
        try {
            Certificate authority = certificate(files.authority());
            Certificate certificate = certificate(files.certificate());
            // The key store exists only in memory; its password protects nothing and leaves nothing behind.
            char[] unused = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("node", privateKey(files.key()), unused, new Certificate[] {certificate, authority});
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, unused);
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("cluster-ca", authority);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(keyManagers.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("sppo4j.cluster.tls: cannot set up TLS from " + files.key().getParent()
                    + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path file) throws IOException {
        try {
            return DERPrivateKeyLoader.load(PEMDecoder.decode(Files.readString(file, StandardCharsets.US_ASCII)));
        } catch (PEMLoadingException e) {
            throw new IllegalArgumentException(file + ": not an unencrypted RSA key in PEM (PKCS#1 or PKCS#8): "
                    + e.getMessage(), e);
        }
    }

    private static Certificate certificate(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
