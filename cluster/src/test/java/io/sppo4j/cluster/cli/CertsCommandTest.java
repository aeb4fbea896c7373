package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.cluster.tls.TlsFiles;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sppo certs} writes a CA and node certificates in cert-manager's layout that meet what
 * Pekko's rotating-keys TLS asks: RSA, signed directly by the root, a subject name all nodes share.
 */
class CertsCommandTest {

    @TempDir
    Path dir;

    @Test
    void certsCommandWritesNodeCertificatesSignedByOneCa() throws Exception {
        assertEquals(0, SppoCli.execute("certs", "--out", dir.toString(), "--nodes", "learner-0,rollout-0", "--days", "30"));
        X509Certificate ca = certificate(dir.resolve("ca.crt"));
        for (String node : List.of("learner-0", "rollout-0")) {
            TlsFiles files = TlsFiles.in(dir.resolve(node), "test");
            X509Certificate certificate = certificate(files.certificate());
            certificate.verify(ca.getPublicKey());
            assertEquals("RSA", certificate.getPublicKey().getAlgorithm());
            assertEquals(ca.getSubjectX500Principal(), certificate.getIssuerX500Principal());
            assertTrue(certificate.getSubjectX500Principal().getName().contains("CN=" + node));
            assertEquals(Set.of(node, "sppo4j"), dnsNames(certificate));
            assertEquals(-1, certificate.getBasicConstraints(), "a node certificate is no CA");
            assertArrayEquals(Files.readAllBytes(dir.resolve("ca.crt")), Files.readAllBytes(files.authority()));
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(files.key()));
        }
        assertTrue(ca.getBasicConstraints() >= 0, "the CA certificate is a CA");
        // A second run adds a node under the same CA.
        assertEquals(0, SppoCli.execute("certs", "--out", dir.toString(), "--nodes", "judge-0"));
        certificate(dir.resolve("judge-0").resolve(TlsFiles.CERTIFICATE)).verify(ca.getPublicKey());
        assertArrayEquals(ca.getEncoded(), certificate(dir.resolve("ca.crt")).getEncoded());
    }

    @Test
    void badNamesAndDaysAreRefusedWithTheOption() {
        CliRun.Result badName = CliRun.run("certs", "--out", dir.toString(), "--nodes", "Bad_Name");
        assertEquals(2, badName.code());
        assertTrue(badName.err().contains("--nodes: 'Bad_Name' is not a DNS name"), badName.err());
        CliRun.Result badDays = CliRun.run("certs", "--out", dir.toString(), "--nodes", "a", "--days", "0");
        assertEquals(2, badDays.code());
        assertTrue(badDays.err().contains("--days must be at least 1"), badDays.err());
    }

    private static X509Certificate certificate(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static Set<String> dnsNames(X509Certificate certificate) throws Exception {
        return certificate.getSubjectAlternativeNames().stream()
                .filter(name -> (Integer) name.get(0) == 2)
                .map(name -> (String) name.get(1))
                .collect(Collectors.toSet());
    }
}
