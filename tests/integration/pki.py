"""pki.py - a throwaway PKI for the TLS scenarios, made with the `openssl`
command in a test's temp dir: CAs, server and client certificates, an
expired one.  No dependence on the system's openssl.cnf."""
import os
import secrets
import subprocess

from harness import check

OPENSSL = "openssl"

# One config for every openssl command: no dependence on the system's
# openssl.cnf.  SAN comes from the environment per certificate.
OPENSSL_CNF = """\
[req]
distinguished_name = dn
prompt = no

[dn]
CN = unused

[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $ENV::SAN
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ca]
default_ca = the_ca

[the_ca]
database = $ENV::CADB/index.txt
new_certs_dir = $ENV::CADB
serial = $ENV::CADB/serial
default_md = sha256
policy = any_name
unique_subject = no
email_in_dn = no

[any_name]
commonName = supplied
"""


class Pki:
    """Keys and certificates under `d`, made with the openssl command."""

    def __init__(self, d):
        self.d = d
        self.cnf = os.path.join(d, "openssl.cnf")
        with open(self.cnf, "w") as f:
            f.write(OPENSSL_CNF)
        self.env = dict(os.environ, SAN="DNS:unused", CADB=os.path.join(d, "cadb"))
        os.makedirs(self.env["CADB"])
        with open(os.path.join(self.env["CADB"], "index.txt"), "w"):
            pass
        with open(os.path.join(self.env["CADB"], "serial"), "w") as f:
            f.write("1000\n")

    def p(self, name):
        return os.path.join(self.d, name)

    def run(self, *args, san="DNS:unused"):
        env = dict(self.env, SAN=san)
        r = subprocess.run([OPENSSL] + list(args), cwd=self.d, env=env,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        check(r.returncode == 0, "openssl %s failed: %s" % (
            " ".join(args), r.stderr.decode(errors="replace")[-800:]))

    def key_and_csr(self, name, cn):
        self.run("req", "-config", self.cnf, "-new", "-newkey", "ec",
                 "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", self.p(name + ".key"), "-out", self.p(name + ".csr"),
                 "-subj", "/CN=%s" % cn)

    def ca(self, name, cn):
        self.run("req", "-config", self.cnf, "-x509", "-newkey", "ec",
                 "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", self.p(name + ".key"), "-out", self.p(name + ".pem"),
                 "-subj", "/CN=%s" % cn, "-days", "30", "-extensions", "v3_ca")
        return self.p(name + ".pem")

    def signed(self, name, cn, ca, kind="server", san=None):
        """A certificate for cn signed by `ca`, valid from now for 30 days."""
        self.key_and_csr(name, cn)
        self.run("x509", "-req", "-in", self.p(name + ".csr"),
                 "-CA", self.p(ca + ".pem"), "-CAkey", self.p(ca + ".key"),
                 "-set_serial", "0x" + secrets.token_hex(8), "-days", "30",
                 "-extfile", self.cnf, "-extensions", kind,
                 "-out", self.p(name + ".pem"), san=san or "DNS:" + cn)
        return self.p(name + ".pem"), self.p(name + ".key")

    def expired(self, name, cn, ca):
        """Signed by `ca`, valid only on 1 January 2020 (openssl ca takes
        explicit dates; openssl 3.0's x509 -req does not)."""
        self.key_and_csr(name, cn)
        self.run("ca", "-batch", "-config", self.cnf, "-notext",
                 "-cert", self.p(ca + ".pem"), "-keyfile", self.p(ca + ".key"),
                 "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
                 "-extfile", self.cnf, "-extensions", "server",
                 "-in", self.p(name + ".csr"), "-out", self.p(name + ".pem"),
                 san="DNS:" + cn)
        return self.p(name + ".pem"), self.p(name + ".key")
