package io.sppo4j.cluster.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.cluster.node.NodeTls;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's own TLS context reads development certificates, PKCS#8 and PKCS#1 keys alike (the
 * latter is what cert-manager writes), for a real mutual handshake, and refuses a peer of
 * another CA.
 */
class DevelopmentCertificatesTest {

    @TempDir
    Path dir;

    @Test
    void nodeContextsOfOneCaHandshakeAndAStrangerIsRefused() throws Exception {
        DevelopmentCertificates certificates = new DevelopmentCertificates();
        DevelopmentCertificates.Authority ca = certificates.newAuthority("test CA", java.time.Duration.ofDays(1));
        TlsFiles server = certificates.writeNode(dir.resolve("server"), ca, "server", "sppo4j", java.time.Duration.ofDays(1));
        TlsFiles client = certificates.writeNode(dir.resolve("client"), ca, "client", "sppo4j", java.time.Duration.ofDays(1));
        // cert-manager writes PKCS#1 keys (BEGIN RSA PRIVATE KEY); sppo certs writes PKCS#8.
        toPkcs1(client.key());
        TlsFiles stranger = certificates.writeNode(dir.resolve("stranger"),
                certificates.newAuthority("other CA", java.time.Duration.ofDays(1)), "stranger", "sppo4j",
                java.time.Duration.ofDays(1));

        assertEquals("hello", exchange(NodeTls.context(server), NodeTls.context(client)));
        assertThrows(SSLException.class, () -> exchange(NodeTls.context(server), NodeTls.context(stranger)));
    }

    @Test
    void aMissingFileIsNamed() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> TlsFiles.in(dir, "sppo4j.cluster.tls.directory"));
        assertTrue(error.getMessage().startsWith("sppo4j.cluster.tls.directory: no file " + dir.resolve("tls.key")),
                error.getMessage());
    }

    /** Sends "hello" from a client to a server over mutual TLS and returns what the server read. */
    private static String exchange(SSLContext serverContext, SSLContext clientContext) throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            listener.setNeedClientAuth(true);
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket socket = (SSLSocket) listener.accept(); InputStream in = socket.getInputStream()) {
                    return new String(in.readAllBytes());
                } catch (Exception e) {
                    return "refused: " + e;
                }
            });
            try (SSLSocket socket = (SSLSocket) clientContext.getSocketFactory()
                    .createSocket(listener.getInetAddress(), listener.getLocalPort())) {
                socket.startHandshake();
                OutputStream out = socket.getOutputStream();
                out.write("hello".getBytes());
                out.flush();
                socket.shutdownOutput();
                // TLS 1.3 reports a refused client certificate on the client's first read.
                socket.getInputStream().read();
            }
            return received.get();
        }
    }

    private static void toPkcs1(Path key) throws Exception {
        PemObject pkcs8;
        try (PemReader reader = new PemReader(Files.newBufferedReader(key))) {
            pkcs8 = reader.readPemObject();
        }
        byte[] pkcs1 = PrivateKeyInfo.getInstance(pkcs8.getContent()).parsePrivateKey().toASN1Primitive().getEncoded();
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            writer.writeObject(new PemObject("RSA PRIVATE KEY", pkcs1));
        }
        Files.writeString(key, text.toString());
    }
}
