#!/usr/bin/env python3
# 20-failures.t - what goes wrong on the wire is refused safely: an untrusted
# certificate or one for another host is refused before any credential is
# sent; STARTTLS really happens; a wrong password or a bad config is one line
# on stderr and moves nothing; an SMTP outage leaves notifications queued for
# the next run, which sends them.
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cmegwtest import closed_port, CME, ROOT, TEAM, Servers, cmegw, cmegw_json, run, write_config

REFERRAL = os.path.join(ROOT, "examples", "referrals", "01-school-referral.eml")


def logins_from(log, ip):
    """Dovecot log lines where a client at IP tried a login as the CME user."""
    return [l for l in log.splitlines()
            if "rip=%s" % ip in l and "user=<%s>" % CME in l]


def one_line(text):
    return len([l for l in text.splitlines() if l.strip()]) == 1


def main(t):
    work = tempfile.mkdtemp(prefix="cmegw-fail-")
    with Servers() as s:
        s.append(CME, "INBOX", REFERRAL)

        for ip, why in (("127.0.0.3", "a certificate from an untrusted CA"),
                        ("127.0.0.4", "a certificate for another host name")):
            conf = write_config(s, work, imap_host=ip)
            r = cmegw(conf, "poll")
            t.eq(r.returncode, 1, "poll refuses %s (exit 1)" % why)
            t.ok(one_line(r.stderr) and re.search(r"certificate", r.stderr) and ip in r.stderr,
                 "one stderr line names the certificate problem and the host", r.stderr)
            t.eq(logins_from(s.dovecot_log(), ip), [], "no login was attempted at %s" % ip)
            t.eq(len(s.mailbox(CME)), 1, "the message is still in INBOX")
            t.ok(not os.path.exists(os.path.join(work, "spool")) or not any(
                f.endswith(".eml") for _, _, fs in os.walk(os.path.join(work, "spool")) for f in fs),
                "nothing was fetched")

        conf = write_config(s, work)
        r = cmegw(conf, "check-config")
        t.ok(r.returncode == 0 and "configuration OK" in r.stdout,
             "check-config logs in to the real server and says configuration OK", r.stderr)
        conf = write_config(s, work, imap_host="127.0.0.3")
        r = cmegw(conf, "check-config")
        t.ok(r.returncode == 1 and "configuration OK" not in r.stdout and "certificate" in r.stderr,
             "check-config refuses the untrusted server", r.stderr)
        t.eq(logins_from(s.dovecot_log(), "127.0.0.3"), [], "and attempts no login there")

        wrong = os.path.join(work, "wrong.password")
        with open(wrong, "w") as f:
            f.write("not-the-password\n")
        conf = write_config(s, work, imap_password_file=wrong)
        r = cmegw(conf, "poll")
        t.eq(r.returncode, 1, "a wrong IMAP password fails the poll (exit 1)")
        t.ok(one_line(r.stderr) and "login" in r.stderr and "not-the-password" not in r.stderr,
             "one stderr line says the login was refused, without the password", r.stderr)
        t.eq(len(s.mailbox(CME)), 1, "the message is still in INBOX")

        # The spool cannot be written: the message must not leave INBOX.
        conf = write_config(s, work, spool="/dev/null/spool")
        r = cmegw(conf, "poll")
        t.eq(r.returncode, 1, "poll with an unwritable spool exits 1")
        t.ok("spool" in r.stderr and "left in INBOX" in r.stderr,
             "stderr says the spool failed and the message stays", r.stderr)
        t.eq(len(s.mailbox(CME)), 1, "the message is still in INBOX")
        t.eq(cmegw_json(conf, "cases"), [], "and no case was opened")
        os.unlink(os.path.join(work, "cmegw.db"))

        conf = write_config(s, work)
        with open(conf, "a") as f:
            f.write("\n[imap]\nhots = typo\n")
        r = cmegw(conf, "poll")
        t.eq(r.returncode, 2, "an unknown config key is bad input (exit 2)")
        t.ok(one_line(r.stderr) and re.search(r"cmegw\.conf:\d+: \[imap\] hots: unknown key", r.stderr),
             "the error names file, line and key", r.stderr)
        r = cmegw(os.path.join(work, "missing.conf"), "poll")
        t.eq(r.returncode, 2, "a missing config is bad input (exit 2)")
        t.ok(one_line(r.stderr) and "missing.conf" in r.stderr, "the error names the file", r.stderr)

        # STARTTLS for real: at 127.0.0.2 Dovecot refuses a login before TLS.
        # The SMTP server is down for this run.
        conf = write_config(s, work, imap_host="127.0.0.2", imap_port=s.env["IMAP_PORT"],
                            imap_security="starttls",
                            smtp_url="smtp://127.0.0.1:%d" % closed_port())
        r = cmegw(conf, "poll")
        t.eq(r.returncode, 1, "poll over STARTTLS with SMTP down exits 1 (mail not sent)")
        t.diag(r.stderr)
        t.eq(len(s.mailbox(CME)), 0, "over STARTTLS the message was processed and moved")
        t.eq(len(cmegw_json(conf, "cases")), 1, "and its case opened")
        queued = cmegw_json(conf, "outbox")
        t.ok(len(queued) >= 2 and all(o["status"] == "queued" for o in queued),
             "with SMTP down the notifications stay queued", queued)
        t.ok(any(o["attempts"] == 1 and o.get("last_error") for o in queued),
             "the outbox records the attempt and the error", queued)

        # Untrusted SMTP certificate: refused, still queued.
        conf = write_config(s, work, smtp_ca_file=s.env["UNTRUSTED_CA_FILE"])
        r = cmegw(conf, "send", now="2030-01-01T00:00:00Z")
        t.eq(r.returncode, 1, "send refuses an SMTP certificate from an untrusted CA")
        t.ok(all(o["status"] == "queued" for o in cmegw_json(conf, "outbox")),
             "and everything stays queued")
        t.eq(s.mailbox(TEAM), [], "nothing reached the team")

        # A later run, with SMTP back, sends them once their retry is due.
        conf = write_config(s, work)
        r = cmegw(conf, "send", now="2030-01-01T01:00:00Z")
        t.eq(r.returncode, 0, "send with SMTP back exits 0: " + r.stderr.strip())
        sent = cmegw_json(conf, "outbox")
        t.ok(all(o["status"] == "sent" for o in sent), "every notification is now sent", sent)
        t.eq(len(s.mailbox(TEAM, wait=20, count=1)), 1, "the team's alert arrived once")
        r = cmegw(conf, "send", now="2030-01-02T00:00:00Z")
        t.eq((r.returncode, len(s.mailbox(TEAM))), (0, 1), "sending again sends nothing twice")


run(main)
