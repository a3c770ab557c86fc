#!/usr/bin/env python3
"""mailtool.py - talk to the cmegw test servers started by tests/servers/servers.sh.

Every subcommand reads the connection facts (ports, CA, password) from --env DIR/env
(or $CMEGW_TEST_ENV).  All connections are TLS, verified against CA_FILE.

  send    --from ADDR --to ADDR [--to ...] FILE...   submit over SMTP_PORT with STARTTLS
          (as a school's mail server sends to the authority's MX); --auth submits over
          SUBMISSION_PORT with AUTH instead
  list    --user ADDR [--mailbox INBOX] [--wait SECONDS --count N]   JSON list of messages
  folders --user ADDR                                JSON list of folder names
  append  --user ADDR --mailbox NAME FILE...         IMAP APPEND (creates the folder)

Exit status: 0 ok, 1 failure (message on stderr), 2 usage.
"""

import argparse
import base64
import email
import email.policy
import imaplib
import json
import os
import re
import smtplib
import socket
import ssl
import sys
import time

PROG = "mailtool"


class Failure(Exception):
    """A failure to report on stderr with exit status 1."""


# ----------------------------------------------------------------------------- env, TLS

def read_env(path):
    """The KEY=value lines of an env file written by servers.sh, as a dict."""
    if os.path.isdir(path):
        path = os.path.join(path, "env")
    env = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#") or "=" not in line:
                    continue
                key, value = line.split("=", 1)
                if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                    value = value[1:-1]
                env[key.strip()] = value
    except OSError as e:
        raise Failure("cannot read env file %s: %s (are the servers started?)"
                      % (path, e.strerror))
    for key in ("IMAPS_PORT", "SMTP_PORT", "CA_FILE", "PASSWORD"):
        if key not in env:
            raise Failure("env file %s has no %s" % (path, key))
    return env


def tls_context(cafile):
    """A client context that trusts only cafile and checks the host name."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def host_of(args, env):
    return args.host or env.get("HOST", "127.0.0.1")


def password_of(args, env):
    return args.password if args.password is not None else env["PASSWORD"]


# ----------------------------------------------------------------------------- IMAP helpers

def mutf7_encode(name):
    """RFC 3501 modified UTF-7 for a mailbox name."""
    out, buf = [], []

    def flush():
        if buf:
            raw = "".join(buf).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode("ascii").rstrip("=")
                       .replace("/", ",") + "-")
            buf.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buf.append(ch)
    flush()
    return "".join(out)


def mutf7_decode(name):
    def repl(m):
        s = m.group(1)
        if not s:
            return "&"
        s = s.replace(",", "/")
        s += "=" * (-len(s) % 4)
        return base64.b64decode(s).decode("utf-16-be")
    return re.sub(r"&([A-Za-z0-9+,]*)-", repl, name)


def quote(s):
    """An IMAP quoted string."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailbox_arg(name):
    return quote(mutf7_encode(name))


def imap_login(args, env):
    host = host_of(args, env)
    port = int(env["IMAPS_PORT"])
    try:
        m = imaplib.IMAP4_SSL(host, port, ssl_context=tls_context(env["CA_FILE"]),
                              timeout=30)
    except ssl.SSLError as e:
        raise Failure("IMAPS %s:%d: TLS failed: %s" % (host, port, e))
    except OSError as e:
        raise Failure("IMAPS %s:%d: cannot connect: %s" % (host, port, e))
    try:
        m.login(args.user, password_of(args, env))
    except imaplib.IMAP4.error as e:
        raise Failure("IMAP login as %s failed: %s" % (args.user, text(e)))
    return m


def text(e):
    s = str(e)
    m = re.match(r"^b'(.*)'$", s)
    return m.group(1) if m else s


def check(typ, data, what):
    if typ != "OK":
        raise Failure("%s failed: %s" % (what, b" ".join(
            d if isinstance(d, bytes) else str(d).encode() for d in data if d).decode(
                "utf-8", "replace")))
    return data


def select(m, mailbox):
    """Select mailbox read-only; returns the message count or None if it does not exist."""
    typ, data = m.select(mailbox_arg(mailbox), readonly=True)
    if typ != "OK":
        return None
    return int(data[0])


def decode_header_value(msg, name):
    out = []
    try:
        values = msg.get_all(name) or []
        for v in values:
            out.append(str(v))
    except Exception:   # a malformed header: give it raw
        out = [v for k, v in msg.raw_items() if k.lower() == name.lower()]
    return out


def plain_body(msg):
    try:
        part = msg.get_body(preferencelist=("plain",))
    except Exception:
        part = None
    if part is None:
        return ""
    try:
        return part.get_content()
    except Exception:
        payload = part.get_payload(decode=True) or b""
        return payload.decode(part.get_content_charset() or "utf-8", "replace")


def describe(uid, flags, raw):
    # IMAP sends CRLF; give callers plain "\n" line ends in headers and body
    msg = email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)
    headers = {}
    for name in msg.keys():
        key = name.lower()
        if key not in headers:
            headers[key] = decode_header_value(msg, name)

    def first(key, join=False):
        vals = headers.get(key) or []
        if not vals:
            return ""
        return ", ".join(vals) if join else vals[0]

    return {
        "uid": uid,
        "flags": flags,
        "headers": headers,
        "subject": first("subject"),
        "from": first("from"),
        "to": first("to", join=True),
        "body": plain_body(msg),
        "size": len(raw),
    }


FETCH_RE = re.compile(rb"UID (\d+)|FLAGS \(([^)]*)\)")


def fetch_all(m):
    typ, data = m.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
    check(typ, data, "FETCH")
    out = []
    for idx, item in enumerate(data):
        if not isinstance(item, tuple):
            continue
        meta, raw = item[0], item[1]
        uid, flags = None, []
        # FLAGS may also follow the literal; imaplib puts that part in the next item
        nxt = data[idx + 1] if idx + 1 < len(data) else None
        tail = nxt if isinstance(nxt, bytes) else b""
        for mt in FETCH_RE.finditer(meta + b" " + tail):
            if mt.group(1):
                uid = int(mt.group(1))
            elif mt.group(2) is not None:
                flags = mt.group(2).decode("ascii", "replace").split()
        out.append(describe(uid, flags, raw))
    out.sort(key=lambda d: d["uid"] or 0)
    return out


# ----------------------------------------------------------------------------- subcommands

def cmd_list(args, env):
    m = imap_login(args, env)
    try:
        deadline = time.monotonic() + (args.wait or 0)
        want = args.count if args.count is not None else (1 if args.wait else 0)
        count = select(m, args.mailbox)
        while True:
            if count is not None and count >= want:
                break
            if time.monotonic() >= deadline:
                break
            time.sleep(0.1)
            if count is None:
                count = select(m, args.mailbox)
            else:
                m.noop()
                typ, dat = m.response("EXISTS")
                if dat and dat[-1] is not None:
                    count = int(dat[-1])
        if count is None:
            raise Failure("mailbox %s of %s does not exist" % (args.mailbox, args.user))
        msgs = fetch_all(m) if count else []
        m.close()
    finally:
        try:
            m.logout()
        except Exception:
            pass
    print(json.dumps(msgs, indent=1))
    if args.wait and len(msgs) < want:
        print("%s: only %d of %d message(s) in %s after %gs"
              % (PROG, len(msgs), want, args.mailbox, args.wait), file=sys.stderr)
    return 0


LIST_RE = re.compile(rb'^\((?P<flags>[^)]*)\) (?P<delim>"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)$')


def unquote(b):
    b = b.strip()
    if b.startswith(b'"') and b.endswith(b'"'):
        b = re.sub(rb"\\(.)", rb"\1", b[1:-1])
    return b


def cmd_folders(args, env):
    m = imap_login(args, env)
    try:
        typ, data = m.list()
        check(typ, data, "LIST")
        names = []
        for item in data:
            if item is None:
                continue
            if isinstance(item, tuple):     # name sent as a literal
                name = item[1]
            else:
                mt = LIST_RE.match(item)
                if not mt:
                    continue
                name = unquote(mt.group("name"))
            names.append(mutf7_decode(name.decode("utf-8", "replace")))
    finally:
        try:
            m.logout()
        except Exception:
            pass
    print(json.dumps(sorted(names), indent=1))
    return 0


def read_file(path):
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise Failure("cannot read %s: %s" % (path, e.strerror))


def cmd_append(args, env):
    m = imap_login(args, env)
    uids = []
    try:
        box = mailbox_arg(args.mailbox)
        flags = "(%s)" % args.flags if args.flags else None
        for path in args.files:
            data = read_file(path)
            typ, resp = m.append(box, flags, None, data)
            if typ != "OK" and b"TRYCREATE" in b" ".join(r for r in resp if r):
                check(*m.create(box), what="CREATE %s" % args.mailbox)
                typ, resp = m.append(box, flags, None, data)
            check(typ, resp, "APPEND %s to %s" % (path, args.mailbox))
            mt = re.search(rb"APPENDUID \d+ (\d+)", b" ".join(r for r in resp if r))
            uids.append(int(mt.group(1)) if mt else None)
    finally:
        try:
            m.logout()
        except Exception:
            pass
    print(json.dumps(uids))
    return 0


def needs_smtputf8(addrs):
    return any(not a.isascii() for a in addrs)


def send_one(s, path, sender, rcpts, data, opts):
    """One transaction; all recipients must be accepted before DATA is sent."""
    code, resp = s.mail(sender, opts)
    if code != 250:
        s.rset()
        raise Failure("%s: MAIL FROM:<%s> refused: %d %s"
                      % (path, sender, code, resp.decode("utf-8", "replace")))
    refused = []
    for r in rcpts:
        code, resp = s.rcpt(r)
        if code not in (250, 251):
            refused.append("%s: %d %s" % (r, code, resp.decode("utf-8", "replace")))
    if refused:
        s.rset()
        raise Failure("%s: recipient(s) refused, nothing sent: %s" % (path, "; ".join(refused)))
    code, resp = s.data(data)
    if code != 250:
        raise Failure("%s: DATA refused: %d %s" % (path, code, resp.decode("utf-8", "replace")))


def cmd_send(args, env):
    host = host_of(args, env)
    if args.auth:
        port = int(env["SUBMISSION_PORT"])
    else:
        port = int(args.port or env["SMTP_PORT"])
    ctx = tls_context(env["CA_FILE"])
    try:
        s = smtplib.SMTP(host, port, local_hostname="school.test", timeout=30)
    except OSError as e:
        raise Failure("SMTP %s:%d: cannot connect: %s" % (host, port, e))
    try:
        s.ehlo()
        if not s.has_extn("starttls"):
            raise Failure("SMTP %s:%d does not offer STARTTLS" % (host, port))
        try:
            s.starttls(context=ctx)
        except ssl.SSLError as e:
            raise Failure("SMTP %s:%d: STARTTLS failed: %s" % (host, port, e))
        s.ehlo()
        if args.auth:
            s.login(args.auth, password_of(args, env))
        for path in args.files:
            # SMTP wants CRLF line ends; smtplib leaves bytes as they are
            data = read_file(path).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            opts = []
            if needs_smtputf8([args.sender] + args.to) and s.has_extn("smtputf8"):
                opts.append("SMTPUTF8")
            if any(b > 0x7f for b in data) and s.has_extn("8bitmime"):
                opts.append("BODY=8BITMIME")
            send_one(s, path, args.sender, args.to, data, opts)
        s.quit()
    except smtplib.SMTPResponseException as e:
        raise Failure("SMTP %s:%d: %d %s" % (host, port, e.smtp_code,
                                             e.smtp_error.decode("utf-8", "replace")))
    except smtplib.SMTPException as e:
        raise Failure("SMTP %s:%d: %s" % (host, port, e))
    except (OSError, socket.timeout) as e:
        raise Failure("SMTP %s:%d: %s" % (host, port, e))
    finally:
        try:
            s.close()
        except Exception:
            pass
    return 0


# ----------------------------------------------------------------------------- main

def main(argv=None):
    # The common options go before or after the subcommand ("--env E send" or "send --env E").
    def common(parser, defaults):
        kw = (lambda v: {"default": v}) if defaults else (lambda v: {"default": argparse.SUPPRESS})
        parser.add_argument("--env", **kw(os.environ.get("CMEGW_TEST_ENV")),
                            help="DIR/env written by servers.sh start (default $CMEGW_TEST_ENV)")
        parser.add_argument("--host", **kw(None),
                            help="server address (default HOST from env, 127.0.0.1)")
        parser.add_argument("--password", **kw(None),
                            help="password to log in with (default PASSWORD from env)")

    p = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    common(p, True)
    shared = argparse.ArgumentParser(add_help=False)
    common(shared, False)
    sub = p.add_subparsers(dest="cmd", required=True)

    def add(name, help_):
        return sub.add_parser(name, help=help_, parents=[shared])

    s = add("send", "submit RFC 5322 files over SMTP with STARTTLS")
    s.add_argument("--from", dest="sender", required=True)
    s.add_argument("--to", action="append", required=True)
    s.add_argument("--auth", metavar="USER",
                   help="submit over SUBMISSION_PORT, authenticated as USER")
    s.add_argument("--port", type=int, help="SMTP port (default SMTP_PORT)")
    s.add_argument("files", nargs="+", metavar="FILE")

    s = add("list", "print a mailbox's messages as JSON")
    s.add_argument("--user", required=True)
    s.add_argument("--mailbox", default="INBOX")
    s.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                   help="poll until --count messages are there or SECONDS pass")
    s.add_argument("--count", type=int, metavar="N")

    s = add("folders", "print the user's folder names as JSON")
    s.add_argument("--user", required=True)

    s = add("append", "IMAP APPEND files to a mailbox")
    s.add_argument("--user", required=True)
    s.add_argument("--mailbox", required=True)
    s.add_argument("--flags", help='flags to set, e.g. "\\Seen \\Flagged"')
    s.add_argument("files", nargs="+", metavar="FILE")

    args = p.parse_args(argv)
    if not args.env:
        p.error("--env DIR/env is required (or set CMEGW_TEST_ENV)")
    try:
        env = read_env(args.env)
        return {"send": cmd_send, "list": cmd_list, "folders": cmd_folders,
                "append": cmd_append}[args.cmd](args, env)
    except Failure as e:
        print("%s %s: %s" % (PROG, args.cmd, e), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
