package io.sppo4j.cluster.tls;

import com.typesafe.config.Config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A node's TLS material as PEM files in one directory, in the layout cert-manager (and every
 * {@code kubernetes.io/tls} Secret) uses: {@code tls.key} (RSA, PKCS#1 or unencrypted PKCS#8),
 * {@code tls.crt} (the node's certificate, signed directly by the root CA) and {@code ca.crt}
 * (the root CA every node of the cluster trusts). {@code ./sppo certs} writes the same layout.
 */
public record TlsFiles(Path key, Path certificate, Path authority) {

    public static final String KEY = "tls.key";
    public static final String CERTIFICATE = "tls.crt";
    public static final String AUTHORITY = "ca.crt";

    /** The files in {@code directory}, each checked to exist; the message names the one missing. */
    public static TlsFiles in(Path directory, String key) {
        TlsFiles files = new TlsFiles(directory.resolve(KEY), directory.resolve(CERTIFICATE), directory.resolve(AUTHORITY));
        for (Path file : new Path[] {files.key, files.certificate, files.authority}) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(key + ": no file " + file
                        + " (the directory must hold tls.key, tls.crt and ca.crt; ./sppo certs makes them)");
            }
        }
        return files;
    }

    /** The files named by {@code sppo4j.cluster.tls.directory}. */
    public static TlsFiles from(Config settings) {
        String key = "sppo4j.cluster.tls.directory";
        String directory = settings.getString(key);
        if (directory.isBlank()) {
            throw new IllegalArgumentException(key + " is empty; name the directory holding tls.key, tls.crt and ca.crt");
        }
        return in(Path.of(directory), key);
    }
}
