"""Real PostgreSQL and Redis servers for the handler tests, on loopback
ports, each requiring TLS and a password as Aurora and ElastiCache do
(tests/setup.sh installs them from Debian's packages). A throwaway CA signs
the servers' certificates; the handler verifies them against it."""

import glob
import os
import shutil
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, proc, what):
    for _ in range(200):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


def make_certs(d, names="IP:127.0.0.1,DNS:localhost", ca=None):
    """A CA and a server certificate for `names` (127.0.0.1 and localhost by
    default), signed by `ca` (a `(ca.pem, ca.key)` pair) or a new CA;
    returns (ca.pem, server.pem, server.key)."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    os.makedirs(d, exist_ok=True)
    key, csr, crt = (os.path.join(d, n) for n in ("server.key", "server.csr", "server.pem"))
    if ca:
        ca, ca_key = ca
    else:
        ca_key, ca = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=hcprov test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write(f"subjectAltName={names}\n")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext)
    return ca, crt, key


def _pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run tests/setup.sh (apt-get install postgresql)")
    return found[-1]


class Postgres:
    """A PostgreSQL server admitting only TLS connections with a SCRAM password."""

    def __init__(self, d, certs, user, password, database):
        self.port, self.user, self.password, self.database = free_port(), user, password, database
        ca, crt, key = certs
        data, sock = os.path.join(d, "pg"), os.path.join(d, "pgsock")
        os.makedirs(sock)
        os.makedirs(data, mode=0o700)
        pw = os.path.join(d, "pw")
        with open(pw, "w") as f:
            f.write(password + "\n")
        for p in (d, sock, pw):
            os.chmod(p, 0o755 if p != pw else 0o644)
        # PostgreSQL refuses to run as root: run it as the postgres user.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(sock, "postgres")
            shutil.chown(data, "postgres")
        init = subprocess.run(
            prefix + [_pg_bin("initdb"), "-D", data, "-U", user, "--pwfile", pw, "--auth=scram-sha-256", "-E", "UTF8"],
            capture_output=True, text=True,
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr}")
        srv_crt, srv_key = os.path.join(data, "server.crt"), os.path.join(data, "server.key")
        shutil.copy(crt, srv_crt)
        shutil.copy(key, srv_key)
        os.chmod(srv_key, 0o600)
        if os.geteuid() == 0:
            for p in (srv_crt, srv_key):
                shutil.chown(p, "postgres")
        with open(os.path.join(data, "pg_hba.conf"), "w") as f:
            f.write("hostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 0.0.0.0/0 reject\n")
        self.proc = subprocess.Popen(
            prefix + [_pg_bin("postgres"), "-D", data, "-p", str(self.port), "-h", "127.0.0.1", "-k", sock,
                      "-c", "ssl=on", "-c", "ssl_min_protocol_version=TLSv1.2", "-c", "fsync=off"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self.port, self.proc, "postgres")
        import pg8000.native, ssl

        ctx = ssl.create_default_context(cafile=ca)
        last = None
        for _ in range(100):
            try:
                c = pg8000.native.Connection(user=user, password=password, host="127.0.0.1", port=self.port, database="postgres", ssl_context=ctx)
                break
            except Exception as e:  # still starting
                last = e
                time.sleep(0.1)
        else:
            raise RuntimeError(f"connecting to the test PostgreSQL: {last}")
        c.run(f"CREATE DATABASE {database}")
        c.close()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


class Redis:
    """A Redis server on a TLS-only port, requiring an AUTH password."""

    def __init__(self, certs, password):
        ca, crt, key = certs
        self.port, self.password = free_port(), password
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--tls-port", str(self.port), "--bind", "127.0.0.1",
             "--tls-cert-file", crt, "--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "no",
             "--requirepass", password, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self.port, self.proc, "redis-server")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
