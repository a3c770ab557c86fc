"""cmegwtest - shared pieces of cmegw's integration tests (Python 3 stdlib only).

Starts the loopback Dovecot + Postfix pair from tests/servers/servers.sh, writes
a cmegw config pointing at them, runs the real binary, reads mailboxes with
tests/servers/mailtool.py, and prints TAP.
"""
import json
import socket
import os
import subprocess
import sys
import tempfile
import traceback

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SERVERS = os.path.join(ROOT, "tests", "servers", "servers.sh")
MAILTOOL = os.path.join(ROOT, "tests", "servers", "mailtool.py")
CMEGW = os.environ.get("CMEGW", os.path.join(ROOT, "build", "cmegw"))

CME = "cme@medway.example.org"
GATEWAY = "cmegw@medway.example.org"
TEAM = "cme-officers@medway.example.org"
HUB = "hub@medway.example.org"
KENT = "cme@kent.example.org"


class Tap:
    """A TAP producer that counts and never stops at the first failure."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=None):
        self.n += 1
        print(("ok %d - %s" if cond else "not ok %d - %s") % (self.n, name))
        if not cond:
            self.failed += 1
            if detail is not None:
                for line in str(detail).splitlines():
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def eq(self, got, want, name):
        return self.ok(got == want, name, "got:  %r\nwant: %r" % (got, want))

    def diag(self, text):
        for line in str(text).splitlines():
            print("# " + line)

    def done(self):
        print("1..%d" % self.n)
        return 1 if self.failed or self.n == 0 else 0


def closed_port():
    """A loopback port nobody listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                env[k] = v.strip("'\"")
    return env


class Servers:
    """The loopback mail servers; always stopped, also when a test fails."""

    def __init__(self, port_base=None):
        self.dir = tempfile.mkdtemp(prefix="cmegw-it-", dir="/tmp")
        os.chmod(self.dir, 0o755)
        self.envfile = os.path.join(self.dir, "env")
        self.port_base = port_base

    def __enter__(self):
        env = dict(os.environ)
        if self.port_base:
            env["CMEGW_TEST_PORT_BASE"] = str(self.port_base)
        subprocess.run([SERVERS, "start", self.dir], check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, env=env)
        self.env = read_env(self.envfile)
        return self

    def __exit__(self, *exc):
        subprocess.run([SERVERS, "stop", self.dir, "--clean"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["rm", "-rf", self.dir])
        return False

    def mailtool(self, *args):
        out = subprocess.run([sys.executable, MAILTOOL, "--env", self.envfile] + list(args),
                             stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError("mailtool %s failed: %s" % (args[0], out.stderr.strip()))
        return out.stdout

    def send(self, sender, to, path):
        self.mailtool("send", "--from", sender, "--to", to, path)

    def mailbox(self, user, mailbox="INBOX", wait=0, count=0):
        args = ["list", "--user", user, "--mailbox", mailbox]
        if wait:
            args += ["--wait", str(wait), "--count", str(count)]
        return json.loads(self.mailtool(*args))

    def append(self, user, mailbox, path):
        self.mailtool("append", "--user", user, "--mailbox", mailbox, path)

    def folders(self, user):
        return json.loads(self.mailtool("folders", "--user", user))

    def dovecot_log(self):
        try:
            with open(self.env["DOVECOT_LOG"], errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def write_config(servers, workdir, **over):
    """A cmegw config for the loopback servers; OVER replaces keys as
    'section_key' = value (e.g. imap_host='127.0.0.3')."""
    e = servers.env
    v = {
        "imap_host": "127.0.0.1",
        "imap_port": e["IMAPS_PORT"],
        "imap_security": "tls",
        "imap_ca_file": e["CA_FILE"],
        "imap_password_file": e["PASSWORD_FILE"],
        "smtp_url": "smtp://127.0.0.1:%s" % e["SUBMISSION_PORT"],
        "smtp_security": "starttls",
        "smtp_ca_file": e["CA_FILE"],
        "smtp_password_file": e["PASSWORD_FILE"],
        "database": os.path.join(workdir, "cmegw.db"),
        "spool": os.path.join(workdir, "spool"),
    }
    v.update(over)
    text = """[authority]
code = E06000035
name = Medway Council
address = {cme}

[imap]
host = {imap_host}
port = {imap_port}
security = {imap_security}
ca_file = {imap_ca_file}
user = {cme}
password_file = {imap_password_file}
mailbox = INBOX
processed_folder = CME/Processed
review_folder = CME/Review
timeout = 20

[smtp]
url = {smtp_url}
security = {smtp_security}
ca_file = {smtp_ca_file}
user = {gateway}
password_file = {smtp_password_file}
from = {gateway}
from_name = Medway CME gateway
timeout = 20

[storage]
database = {database}
spool = {spool}

[routing]
postcodes = {root}/tests/data/postcodes-nspl.csv

[neighbours]
E10000016 = {kent}

[recipients]
team = {team}
safeguarding_hub = {hub}

[notify]
secure_domains = kent.example.org
""".format(cme=CME, gateway=GATEWAY, kent=KENT, team=TEAM, hub=HUB, root=ROOT, **v)
    path = os.path.join(workdir, "cmegw.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def cmegw(config, *args, now=None):
    cmd = [CMEGW, "--config", config]
    if now:
        cmd += ["--now", now]
    cmd += list(args)
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


def cmegw_json(config, *args):
    out = cmegw(config, *args, "--format", "json")
    if out.returncode != 0:
        raise RuntimeError("cmegw %s failed (%d): %s" % (" ".join(args), out.returncode, out.stderr))
    return json.loads(out.stdout)


def run(main):
    """Run MAIN(tap); an exception is a failed test, not a hung harness."""
    tap = Tap()
    try:
        main(tap)
    except Exception:
        tap.ok(False, "test raised no exception", traceback.format_exc())
    sys.exit(tap.done())
