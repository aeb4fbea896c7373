package io.sppo4j.cluster.cli;

import io.sppo4j.cluster.tls.DevelopmentCertificates;
import io.sppo4j.cluster.tls.TlsFiles;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "certs",
        mixinStandardHelpOptions = true,
        description = {
            "Make a development CA and a certificate per node for mutual TLS between nodes (RSA, PEM).",
            "Writes DIR/ca.crt and DIR/ca.key, and DIR/NODE/{tls.key,tls.crt,ca.crt} per node: the layout of a",
            "kubernetes.io/tls Secret (sppo4j.cluster.tls.directory = DIR/NODE). A CA already in DIR is reused,",
            "so nodes can be added later. For production, issue the same files from your own CA (e.g. cert-manager)."
        })
final class CertsCommand implements Callable<Integer> {

    /** A DNS label: what a node name becomes in the certificate and a directory name on disk. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?");

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write into.")
    Path out;

    @Option(names = "--nodes", required = true, split = ",", paramLabel = "NAME",
            description = "Node names (DNS names, comma-separated); one certificate each.")
    List<String> nodes = new ArrayList<>();

    @Option(names = "--days", defaultValue = "365", description = "Validity of the node certificates in days (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--cluster-name", defaultValue = "sppo4j",
            description = "DNS name every node certificate carries; nodes accept only peers sharing it (default: ${DEFAULT-VALUE}).")
    String clusterName;

    @Override
    public Integer call() {
        if (days < 1) {
            throw new IllegalArgumentException("--days must be at least 1, got " + days);
        }
        for (String node : nodes) {
            requireName("--nodes", node);
        }
        requireName("--cluster-name", clusterName);
        PrintWriter console = spec.commandLine().getOut();
        DevelopmentCertificates certificates = new DevelopmentCertificates();
        DevelopmentCertificates.Authority authority;
        if (Files.exists(out.resolve("ca.crt")) && Files.exists(out.resolve("ca.key"))) {
            authority = certificates.readAuthority(out);
            console.println("using the CA in " + out);
        } else {
            // The CA outlives its node certificates so they can be renewed without redistributing trust.
            authority = certificates.newAuthority(clusterName + " development CA", Duration.ofDays(Math.max(days, 3650)));
            certificates.writeAuthority(out, authority);
            console.println("new CA " + out.resolve("ca.crt") + " (keep ca.key private)");
        }
        for (String node : nodes) {
            TlsFiles files = certificates.writeNode(out.resolve(node), authority, node, clusterName, Duration.ofDays(days));
            console.println(node + ": " + files.key().getParent());
        }
        console.flush();
        return 0;
    }

    private static void requireName(String option, String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(option + ": '" + name + "' is not a DNS name (lower-case letters, digits, '-', '.')");
        }
    }
}
