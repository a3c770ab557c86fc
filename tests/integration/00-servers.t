#!/usr/bin/env python3
"""00-servers.t - the test-server harness itself (tests/servers/servers.sh, mailtool.py).

Starts Dovecot + Postfix in a fresh temporary directory and checks TLS (trusted,
untrusted CA, wrong host name), delivery, relay refusal, submission rules, fast
wrong-password refusal, restart over leftovers, and a clean stop.  Prints TAP.
The servers are stopped whatever happens; the directory is kept (and named) on failure.
"""

import imaplib
import json
import os
import re
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVERS = os.path.join(HERE, "..", "servers", "servers.sh")
MAILTOOL = os.path.join(HERE, "..", "servers", "mailtool.py")
REQUIRED_KEYS = ("IMAP_PORT IMAPS_PORT SMTP_PORT SUBMISSION_PORT SUBMISSIONS_PORT CA_FILE "
                 "UNTRUSTED_CA_FILE PASSWORD PASSWORD_FILE DOVECOT_LOG POSTFIX_LOG DIR").split()

TESTS = []          # (description, function), run in order


def test(desc):
    def reg(fn):
        TESTS.append((desc, fn))
        return fn
    return reg


def diag(msg):
    for line in str(msg).splitlines() or [""]:
        print("# " + line, flush=True)


class State:
    dir = None
    env = {}
    sessions = []
    timings = {}


S = State()


def run(args, timeout=60, check=False):
    p = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout, text=True)
    if check and p.returncode != 0:
        raise AssertionError("%s exited %d: %s" % (" ".join(args), p.returncode,
                                                  p.stderr.strip()))
    return p


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                env[k] = v
    return env


def ctx_for(cafile, check_hostname=True):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = check_hostname
    return ctx


def port(name):
    return int(S.env[name])


# ------------------------------------------------------------------------------ raw IMAP

class RawImap:
    """Just enough IMAP to look at CAPABILITY and do STARTTLS by hand."""

    def __init__(self, host, port_, timeout=10):
        self.sock = socket.create_connection((host, port_), timeout=timeout)
        self.f = self.sock.makefile("rb")
        self.greeting = self.f.readline()
        self.n = 0

    def cmd(self, line):
        self.n += 1
        tag = "t%d" % self.n
        self.sock.sendall(("%s %s\r\n" % (tag, line)).encode())
        lines = []
        while True:
            ln = self.f.readline()
            if not ln:
                raise AssertionError("connection closed during %r" % line)
            lines.append(ln.decode("utf-8", "replace").rstrip("\r\n"))
            if ln.startswith(tag.encode() + b" "):
                return lines

    def starttls(self, ctx, server_hostname):
        r = self.cmd("STARTTLS")
        if not r[-1].split()[1] == "OK":
            raise AssertionError("STARTTLS refused: %r" % r)
        self.f.close()
        self.sock = ctx.wrap_socket(self.sock, server_hostname=server_hostname)
        self.f = self.sock.makefile("rb")

    def close(self):
        try:
            self.f.close()
            self.sock.close()
        except OSError:
            pass


def imaps_handshake(host, ctx):
    """TLS handshake on IMAPS at host; returns the peer certificate dict."""
    with socket.create_connection((host, port("IMAPS_PORT")), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            return s.getpeercert()


def starttls_handshake(host, ctx):
    c = RawImap(host, port("IMAP_PORT"))
    try:
        c.starttls(ctx, host)
        return c.sock.getpeercert()
    finally:
        c.close()


def expect_verify_failure(fn, codes, what):
    try:
        fn()
    except ssl.SSLCertVerificationError as e:
        if e.verify_code not in codes:
            raise AssertionError("%s: wrong verification error %s (%s)"
                                 % (what, e.verify_code, e.verify_message))
        return e
    raise AssertionError("%s: the certificate verified, it must not" % what)


# ------------------------------------------------------------------------------ tests

@test("servers.sh start brings up both servers and writes DIR/env with every key")
def t_start():
    S.dir = tempfile.mkdtemp(prefix="cmegw-servers-")
    fixed = os.environ.get("CMEGW_TEST_PORT_BASE")
    bases = [int(fixed)] if fixed else [20000 + 100 * i for i in range(20)]
    for base in bases:
        env = dict(os.environ, CMEGW_TEST_PORT_BASE=str(base))
        t0 = time.monotonic()
        p = subprocess.run([SERVERS, "start", S.dir], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=env, timeout=60)
        S.timings["start"] = time.monotonic() - t0
        if p.returncode == 3 and not fixed:
            diag("port base %d busy, trying the next" % base)
            continue
        break
    if p.returncode != 0:
        raise AssertionError("start exited %d:\n%s" % (p.returncode, p.stderr))
    os.environ["CMEGW_TEST_PORT_BASE"] = str(base)   # for the restart test
    S.env = read_env(os.path.join(S.dir, "env"))
    missing = [k for k in REQUIRED_KEYS if not S.env.get(k)]
    if missing:
        raise AssertionError("env lacks %s" % missing)
    if os.path.realpath(S.env["DIR"]) != os.path.realpath(S.dir):
        raise AssertionError("DIR=%s, expected %s" % (S.env["DIR"], S.dir))
    # the shell must be able to source it too
    out = run(["sh", "-c", '. "$1" && echo "$IMAPS_PORT"', "sh",
               os.path.join(S.dir, "env")], check=True).stdout.strip()
    if out != S.env["IMAPS_PORT"]:
        raise AssertionError("sourcing env gave IMAPS_PORT=%r" % out)
    with open(os.path.join(S.dir, "run", "sessions")) as f:
        S.sessions = [int(x) for x in f.read().split()]
    diag("start took %.2f s, port base %d" % (S.timings["start"], base))


@test("PASSWORD_FILE is mode 600 and holds PASSWORD")
def t_password_file():
    st = os.stat(S.env["PASSWORD_FILE"])
    if st.st_mode & 0o777 != 0o600:
        raise AssertionError("mode %o" % (st.st_mode & 0o777))
    with open(S.env["PASSWORD_FILE"]) as f:
        if f.read().strip() != S.env["PASSWORD"]:
            raise AssertionError("contents differ from PASSWORD")


@test("IMAP on 127.0.0.2 refuses login before TLS; STARTTLS cert verifies against CA_FILE")
def t_starttls_trusted():
    c = RawImap("127.0.0.2", port("IMAP_PORT"))
    try:
        caps = " ".join(c.cmd("CAPABILITY"))
        if "LOGINDISABLED" not in caps or "STARTTLS" not in caps:
            raise AssertionError("before TLS: %s" % caps)
        r = c.cmd('LOGIN "cme@medway.example.org" "%s"' % S.env["PASSWORD"])
        if r[-1].split()[1] == "OK":
            raise AssertionError("plaintext LOGIN accepted on 127.0.0.2")
        c.starttls(ctx_for(S.env["CA_FILE"]), "127.0.0.2")
        r = c.cmd('LOGIN "cme@medway.example.org" "%s"' % S.env["PASSWORD"])
        if r[-1].split()[1] != "OK":
            raise AssertionError("LOGIN after STARTTLS: %r" % r)
        c.cmd("LOGOUT")
    finally:
        c.close()
    cert = imaps_handshake("127.0.0.2", ctx_for(S.env["CA_FILE"]))
    sans = {v for k, v in cert["subjectAltName"]}
    if not {"localhost", "127.0.0.1", "127.0.0.2"} <= sans:
        raise AssertionError("SANs %s" % sans)


@test("127.0.0.3 presents a certificate that does not verify against CA_FILE")
def t_untrusted():
    ca = ctx_for(S.env["CA_FILE"])
    for name, fn in (("IMAPS", lambda: imaps_handshake("127.0.0.3", ca)),
                     ("STARTTLS", lambda: starttls_handshake("127.0.0.3", ca))):
        expect_verify_failure(fn, (19, 20, 21), "127.0.0.3 " + name)
    # ... and it is the intended certificate: it verifies against the second CA
    imaps_handshake("127.0.0.3", ctx_for(S.env["UNTRUSTED_CA_FILE"]))
    starttls_handshake("127.0.0.3", ctx_for(S.env["UNTRUSTED_CA_FILE"]))


@test("127.0.0.4 presents a trusted certificate that is not for 127.0.0.4")
def t_wrong_name():
    ca = ctx_for(S.env["CA_FILE"])
    for name, fn in (("IMAPS", lambda: imaps_handshake("127.0.0.4", ca)),
                     ("STARTTLS", lambda: starttls_handshake("127.0.0.4", ca))):
        expect_verify_failure(fn, (62, 64), "127.0.0.4 " + name)
    cert = imaps_handshake("127.0.0.4", ctx_for(S.env["CA_FILE"], check_hostname=False))
    if cert.get("subjectAltName") != (("DNS", "wrong-host.invalid"),):
        raise AssertionError("SANs %s" % (cert.get("subjectAltName"),))


@test("SMTP_PORT offers STARTTLS with a verifying cert and never offers AUTH")
def t_smtp_port():
    with smtplib.SMTP("127.0.0.1", port("SMTP_PORT"), timeout=10) as s:
        s.ehlo("school.test")
        if not s.has_extn("starttls") or s.has_extn("auth"):
            raise AssertionError("EHLO before TLS: %s" % s.esmtp_features)
        s.starttls(context=ctx_for(S.env["CA_FILE"]))
        s.ehlo("school.test")
        if s.has_extn("auth"):
            raise AssertionError("AUTH offered on the MX port")


MESSAGE = """From: Head Teacher <head@school.example.net>
To: CME Team <cme@medway.example.org>
Subject: Harness check {tag}
Date: Mon, 01 Dec 2025 10:00:00 +0000
Message-ID: <{tag}@school.example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Pupil absent since Monday, caf\u00e9.
.
Last line.
"""


def write_message(tag):
    path = os.path.join(S.dir, "msg-%s.eml" % tag)
    with open(path, "w", encoding="utf-8") as f:
        f.write(MESSAGE.format(tag=tag))
    return path


def mailtool(*args, timeout=60):
    return run([sys.executable, MAILTOOL, "--env", os.path.join(S.dir, "env")] + list(args),
               timeout=timeout)


@test("mailtool send to cme@medway.example.org arrives in that user's INBOX")
def t_delivery():
    path = write_message("deliver1")
    p = mailtool("send", "--from", "head@school.example.net",
                 "--to", "cme@medway.example.org", path)
    if p.returncode != 0:
        raise AssertionError("send: %s" % p.stderr)
    t0 = time.monotonic()
    p = mailtool("list", "--user", "cme@medway.example.org", "--wait", "10", "--count", "1")
    if p.returncode != 0:
        raise AssertionError("list: %s" % p.stderr)
    msgs = json.loads(p.stdout)
    diag("delivered and listed in %.2f s" % (time.monotonic() - t0))
    if len(msgs) != 1:
        raise AssertionError("%d messages in INBOX" % len(msgs))
    m = msgs[0]
    if m["subject"] != "Harness check deliver1":
        raise AssertionError("subject %r" % m["subject"])
    if m["body"] != "Pupil absent since Monday, caf\u00e9.\n.\nLast line.\n":
        raise AssertionError("body %r" % m["body"])
    if m["headers"].get("message-id") != ["<deliver1@school.example.net>"]:
        raise AssertionError("headers %r" % m["headers"])
    if "\\Seen" in m["flags"]:
        raise AssertionError("list marked the message \\Seen")


@test("mail to a non-local domain is rejected at RCPT (and mailtool send fails)")
def t_no_relay():
    with smtplib.SMTP("127.0.0.1", port("SMTP_PORT"), timeout=10) as s:
        s.ehlo("school.test")
        s.starttls(context=ctx_for(S.env["CA_FILE"]))
        s.ehlo("school.test")
        code, _ = s.mail("head@school.example.net")
        if code != 250:
            raise AssertionError("MAIL %d" % code)
        code, resp = s.rcpt("someone@elsewhere.invalid")
        if code < 500:
            raise AssertionError("RCPT someone@elsewhere.invalid: %d %s" % (code, resp))
        code, resp = s.rcpt("cme@example.org")
        if code != 250:
            raise AssertionError("RCPT cme@example.org: %d %s" % (code, resp))
        s.rset()
    p = mailtool("send", "--from", "head@school.example.net", "--to",
                 "someone@elsewhere.invalid", write_message("relay"))
    if p.returncode == 0 or "elsewhere.invalid" not in p.stderr:
        raise AssertionError("mailtool send: rc %d, %r" % (p.returncode, p.stderr))


@test("SUBMISSION_PORT: TLS and AUTH required; authenticated mail only to local domains")
def t_submission():
    ca = ctx_for(S.env["CA_FILE"])
    with smtplib.SMTP("127.0.0.1", port("SUBMISSION_PORT"), timeout=10) as s:
        s.ehlo("school.test")
        if s.has_extn("auth"):
            raise AssertionError("AUTH offered before STARTTLS")
        code, _ = s.mail("cme@kent.example.org")
        if code < 500:
            raise AssertionError("MAIL accepted before STARTTLS: %d" % code)
        s.rset()
        s.starttls(context=ca)
        s.ehlo("school.test")
        mechs = s.esmtp_features.get("auth", "").upper().split()
        if not {"PLAIN", "LOGIN"} <= set(mechs):
            raise AssertionError("AUTH mechanisms %s" % mechs)
        s.mail("cme@kent.example.org")
        code, _ = s.rcpt("cme@medway.example.org")
        if code < 500:
            raise AssertionError("unauthenticated RCPT accepted: %d" % code)
        s.rset()
    with smtplib.SMTP("127.0.0.1", port("SUBMISSION_PORT"), timeout=10) as s:
        s.starttls(context=ca)
        s.login("cme@kent.example.org", S.env["PASSWORD"])
        s.mail("cme@kent.example.org")
        code, resp = s.rcpt("someone@elsewhere.invalid")
        if code < 500:
            raise AssertionError("authenticated relay accepted: %d %s" % (code, resp))
        code, resp = s.rcpt("cme@cme.test")
        if code != 250:
            raise AssertionError("authenticated local RCPT: %d %s" % (code, resp))
        s.rset()


@test("SUBMISSIONS_PORT: implicit TLS verifies against CA_FILE and offers AUTH")
def t_submissions():
    with smtplib.SMTP_SSL("127.0.0.1", port("SUBMISSIONS_PORT"), timeout=10,
                          context=ctx_for(S.env["CA_FILE"])) as s:
        s.ehlo("school.test")
        if not s.has_extn("auth"):
            raise AssertionError("no AUTH: %s" % s.esmtp_features)
        s.login("cme@kent.example.org", S.env["PASSWORD"])


def imaps_login(user, password):
    m = imaplib.IMAP4_SSL("127.0.0.1", port("IMAPS_PORT"),
                          ssl_context=ctx_for(S.env["CA_FILE"]), timeout=10)
    try:
        m.login(user, password)
        return True
    except imaplib.IMAP4.error:
        return False
    finally:
        try:
            m.logout()
        except Exception:
            pass


@test("a wrong password is refused in < 2 s, and the next logins are not delayed")
def t_wrong_password():
    times = []
    for _ in range(3):
        t0 = time.monotonic()
        if imaps_login("cme@medway.example.org", "wrong-" + S.env["PASSWORD"]):
            raise AssertionError("wrong password accepted")
        times.append(time.monotonic() - t0)
    t0 = time.monotonic()
    if not imaps_login("cme@medway.example.org", S.env["PASSWORD"]):
        raise AssertionError("right password refused")
    good = time.monotonic() - t0
    if imaps_login("nobody@elsewhere.invalid", S.env["PASSWORD"]):
        raise AssertionError("a user of a non-local domain logged in")
    diag("wrong-password refusals took %s s, next good login %.3f s"
         % (", ".join("%.3f" % t for t in times), good))
    if max(times) >= 2 or good >= 2:
        raise AssertionError("too slow")


@test("DOVECOT_LOG records login attempts (auth_verbose)")
def t_log():
    with open(S.env["DOVECOT_LOG"], errors="replace") as f:
        log = f.read()
    if not re.search(r"cme@medway\.example\.org.*Password mismatch", log):
        raise AssertionError("no 'Password mismatch' line")
    if not re.search(r"Login: user=<cme@medway\.example\.org>", log):
        raise AssertionError("no 'Login: user=' line")
    with open(S.env["POSTFIX_LOG"], errors="replace") as f:
        if "Relay access denied" not in f.read():
            raise AssertionError("POSTFIX_LOG has no relay refusal")


def mailtool_after(cmd, *args):
    """mailtool with --env after the subcommand, as tests/integration/cmegwtest.py calls it."""
    return run([sys.executable, MAILTOOL, cmd, "--env", os.path.join(S.dir, "env")] + list(args))


@test("mailtool append, folders and list work on a new folder (--env after the subcommand)")
def t_append():
    path = write_message("append1")
    p = mailtool_after("append", "--user", "cme@kent.example.org", "--mailbox", "Archive/2025",
                       path)
    if p.returncode != 0:
        raise AssertionError("append: %s" % p.stderr)
    p = mailtool_after("folders", "--user", "cme@kent.example.org")
    if p.returncode != 0 or "Archive/2025" not in json.loads(p.stdout):
        raise AssertionError("folders: %s %s" % (p.stdout, p.stderr))
    p = mailtool("list", "--user", "cme@kent.example.org", "--mailbox", "Archive/2025")
    msgs = json.loads(p.stdout) if p.returncode == 0 else []
    if [m["subject"] for m in msgs] != ["Harness check append1"]:
        raise AssertionError("list: %s %s" % (p.stdout, p.stderr))


def our_processes():
    """Live processes that belong to this DIR's servers."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                stat = f.read()
            state, _ppid, _pgrp, sid = stat.rsplit(")", 1)[1].split()[:4]
            if state in "ZX":
                continue
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
            try:
                with open("/proc/%s/environ" % pid, "rb") as f:
                    environ = f.read().split(b"\0")
            except OSError:
                environ = []
            exe = os.readlink("/proc/%s/exe" % pid)
        except (OSError, ValueError, IndexError):
            continue
        server = exe.startswith(("/usr/sbin/dovecot", "/usr/lib/dovecot/",
                                 "/usr/lib/postfix/", "/usr/sbin/post"))
        mine = (S.dir in cmd
                or ("MAIL_CONFIG=%s/postfix" % S.dir).encode() in environ
                or int(sid) in S.sessions)
        if server and mine:
            found.append("%s %s" % (pid, cmd.strip()))
    return found


def ports_closed():
    open_ = []
    for key in ("IMAP_PORT", "IMAPS_PORT", "SMTP_PORT", "SUBMISSION_PORT", "SUBMISSIONS_PORT"):
        try:
            socket.create_connection(("127.0.0.1", port(key)), timeout=1).close()
            open_.append(key)
        except OSError:
            pass
    return open_


@test("start over a running DIR (a crashed run's leftovers) restarts cleanly")
def t_restart():
    old = (S.env["DOVECOT_PID"], S.env["POSTFIX_PID"])
    t0 = time.monotonic()
    p = run([SERVERS, "start", S.dir])
    took = time.monotonic() - t0
    if p.returncode != 0:
        raise AssertionError("restart exited %d: %s" % (p.returncode, p.stderr))
    S.env = read_env(os.path.join(S.dir, "env"))
    with open(os.path.join(S.dir, "run", "sessions")) as f:
        S.sessions += [int(x) for x in f.read().split()]
    if (S.env["DOVECOT_PID"], S.env["POSTFIX_PID"]) == old:
        raise AssertionError("same pids after restart")
    for pid in old:
        if os.path.exists("/proc/%s" % pid):
            with open("/proc/%s/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] not in "ZX":
                    raise AssertionError("old server %s still running" % pid)
    if not imaps_login("cme@medway.example.org", S.env["PASSWORD"]):
        raise AssertionError("login after restart failed")
    diag("restart (stop + start) took %.2f s" % took)


@test("stop leaves no dovecot/postfix process of this DIR running")
def t_stop():
    t0 = time.monotonic()
    p = run([SERVERS, "stop", S.dir])
    S.timings["stop"] = time.monotonic() - t0
    if p.returncode != 0:
        raise AssertionError("stop exited %d: %s" % (p.returncode, p.stderr))
    diag("stop took %.2f s" % S.timings["stop"])
    left = our_processes()
    if left:
        raise AssertionError("still running:\n" + "\n".join(left))
    still = ports_closed()
    if still:
        raise AssertionError("ports still open: %s" % still)


@test("stop again (already stopped) succeeds")
def t_stop_again():
    p = run([SERVERS, "stop", S.dir])
    if p.returncode != 0:
        raise AssertionError("exited %d: %s" % (p.returncode, p.stderr))


# ------------------------------------------------------------------------------ main

def main():
    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    print("1..%d" % len(TESTS), flush=True)
    failed = 0
    started = False
    try:
        for n, (desc, fn) in enumerate(TESTS, 1):
            if n > 1 and not started:
                print("not ok %d - %s # servers did not start" % (n, desc), flush=True)
                failed += 1
                continue
            try:
                fn()
                print("ok %d - %s" % (n, desc), flush=True)
            except Exception as e:     # report and go on: the rest still say something
                print("not ok %d - %s" % (n, desc), flush=True)
                diag("%s: %s" % (type(e).__name__, e))
                failed += 1
            if n == 1:
                started = bool(S.env)
    finally:
        if S.dir:
            p = run([SERVERS, "stop", S.dir] + ([] if failed else ["--clean"]))
            if p.returncode != 0:
                diag("final stop failed: %s" % p.stderr)
            if failed:
                diag("servers' directory kept for inspection: %s" % S.dir)
            else:
                shutil.rmtree(S.dir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
