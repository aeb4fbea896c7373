package io.sppo4j.cluster.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
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
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * A development certificate authority and node certificates for mutual TLS between nodes, in
 * the PEM layout of {@link TlsFiles}. What Pekko's {@code RotatingKeysSSLEngineProvider} asks of
 * them: RSA keys, node certificates signed directly by the root CA, and one subject name every
 * node shares (it refuses a peer with none in common even when the CA signed it), here the
 * cluster's name as a DNS subject alternative name beside the node's own.
 *
 * <p>For production, cert-manager (or any CA) writes the same three files into a Secret.
 */
public final class DevelopmentCertificates {

    /** RSA modulus size: what cert-manager issues by default. */
    private static final int KEY_BITS = 2048;
    private static final String SIGNATURE = "SHA256withRSA";

    /** A CA: its key signs node certificates. */
    public record Authority(PrivateKey key, X509Certificate certificate) {}

    private final SecureRandom random = new SecureRandom();

    /** A new self-signed root CA named {@code name}, valid for {@code validity}. */
    public Authority newAuthority(String name, Duration validity) {
        KeyPair keys = rsaKeys();
        X500Name subject = name(name);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(subject, subject, keys.getPublic(), validity)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(keys.getPublic()));
            return new Authority(keys.getPrivate(), sign(builder, keys.getPrivate()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a CA certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code directory/tls.key}, {@code tls.crt} (signed by {@code authority}) and
     * {@code ca.crt} for the node {@code node}.
     *
     * @param clusterName a DNS name every node of the cluster carries (Pekko checks peers share one)
     */
    public TlsFiles writeNode(Path directory, Authority authority, String node, String clusterName, Duration validity) {
        KeyPair keys = rsaKeys();
        Set<String> dnsNames = new LinkedHashSet<>(List.of(node, clusterName));
        List<GeneralName> names = new ArrayList<>();
        for (String dnsName : dnsNames) {
            names.add(new GeneralName(GeneralName.dNSName, dnsName));
        }
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(
                            X500Name.getInstance(authority.certificate().getSubjectX500Principal().getEncoded()),
                            name(node), keys.getPublic(), validity)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    // Each node is a TLS server to the peers that dial it and a client to those it dials.
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(GeneralName[]::new)))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(authority.certificate()));
            X509Certificate certificate = sign(builder, authority.key());
            Files.createDirectories(directory);
            writePrivate(directory.resolve(TlsFiles.KEY), pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
            Files.writeString(directory.resolve(TlsFiles.CERTIFICATE), pem("CERTIFICATE", certificate.getEncoded()));
            Files.writeString(directory.resolve(TlsFiles.AUTHORITY), pem("CERTIFICATE", authority.certificate().getEncoded()));
            return TlsFiles.in(directory, "certs");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the certificates of " + node + " to " + directory, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the certificate of " + node + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code ca.crt} and {@code ca.key} (owner-only) into {@code directory}. */
    public void writeAuthority(Path directory, Authority authority) {
        try {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve("ca.crt"), pem("CERTIFICATE", authority.certificate().getEncoded()));
            writePrivate(directory.resolve("ca.key"), pem("PRIVATE KEY", authority.key().getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the CA to " + directory, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode the CA certificate: " + e.getMessage(), e);
        }
    }

    /** The CA a previous {@link #writeAuthority} left in {@code directory}, so more nodes can join it. */
    public Authority readAuthority(Path directory) {
        Path certificate = directory.resolve("ca.crt");
        Path key = directory.resolve("ca.key");
        try (var in = Files.newInputStream(certificate);
                PemReader reader = new PemReader(Files.newBufferedReader(key, StandardCharsets.US_ASCII))) {
            X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            PemObject pem = reader.readPemObject();
            if (pem == null || !"PRIVATE KEY".equals(pem.getType())) {
                throw new IllegalArgumentException(key + ": expected an unencrypted PKCS#8 RSA key (BEGIN PRIVATE KEY)");
            }
            PrivateKey privateKey = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pem.getContent()));
            return new Authority(privateKey, ca);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CA in " + directory, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the CA in " + directory + ": " + e.getMessage(), e);
        }
    }

    private X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key, Duration validity) {
        // Backdated a little: clocks of the machines in a cluster are never exactly together.
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, random).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)), subject, key);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(SIGNATURE).build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private KeyPair rsaKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(KEY_BITS, random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no RSA key generator: " + e.getMessage(), e);
        }
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "sppo4j").addRDN(BCStyle.CN, commonName).build();
    }

    private static String pem(String type, byte[] der) throws IOException {
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            writer.writeObject(new PemObject(type, der));
        }
        return text.toString();
    }

    /** A key file readable by its owner alone where the file system has POSIX permissions. */
    private static void writePrivate(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, text);
    }
}
