#!/usr/bin/env python3
"""demo.py - `make demo`: the main job end to end on throwaway loopback servers.

Starts Dovecot (IMAP) and Postfix (SMTP) on loopback with a throwaway CA,
emails three sample referrals (and two messages that are not referrals) to
the CME mailbox as a school's mail server would, runs `cmegw poll` once,
prints the register, the outbox and the mail each recipient received, then
stops the servers. Nothing leaves this machine: the test Postfix relays
nothing, and every address is under example.org / example.net.
"""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from cmegwtest import CME, HUB, KENT, TEAM, Servers, cmegw, write_config  # noqa: E402

SAMPLES = [
    ("dsl@riverside-primary.school.example.net", "referrals/01-school-referral.eml"),
    ("referrals@health.example.net", "referrals/02-health-referral-html.eml"),
    ("attendance@oakfield-academy.school.example.net", "referrals/03-cross-border-referral.eml"),
    ("busy@example.net", "other/out-of-office.eml"),
    ("bulletin@example.org", "other/newsletter.eml"),
]
RECIPIENTS = [
    ("the referrer (school)", "dsl@riverside-primary.school.example.net"),
    ("the referrer named on the health e-form", "sam.nurse@health.example.net"),
    ("the referrer (academy)", "attendance@oakfield-academy.school.example.net"),
    ("the CME officers", TEAM),
    ("the safeguarding hub", HUB),
    ("Kent's CME team (the child lives there)", KENT),
    ("the out-of-office sender (must get nothing)", "busy@example.net"),
]


def step(text):
    print("\n== %s" % text)
    sys.stdout.flush()


def show(result):
    sys.stdout.write(result.stdout)
    for line in result.stderr.splitlines():
        print("   " + line)
    sys.stdout.flush()
    return result.returncode


def main():
    work = tempfile.mkdtemp(prefix="cmegw-demo-")
    port_base = int(os.environ.get("CMEGW_DEMO_PORT_BASE", "21000"))
    try:
        step("starting Dovecot and Postfix on loopback (ports from %d)" % port_base)
        with Servers(port_base=port_base) as s:
            conf = write_config(s, work)
            print("config: %s" % conf)
            step("a school, a health e-form, an academy, an out-of-office and a bulletin "
                 "email the CME mailbox through Postfix")
            for sender, path in SAMPLES:
                s.send(sender, CME, os.path.join(ROOT, "examples", path))
                print("   sent %s from %s" % (path, sender))
            got = s.mailbox(CME, wait=20, count=len(SAMPLES))
            print("   %d messages are waiting in %s's INBOX" % (len(got), CME))

            step("cmegw import-postcodes (a five-line sample of the ONS postcode directory)")
            show(cmegw(conf, "import-postcodes"))
            step("cmegw poll")
            rc = show(cmegw(conf, "poll"))
            if rc != 0:
                print("poll failed with exit status %d" % rc)
                return 1

            step("cmegw cases: the register")
            show(cmegw(conf, "cases"))
            step("cmegw outbox: what was sent")
            show(cmegw(conf, "outbox"))
            step("the CME mailbox after the poll")
            for folder in ("INBOX", "CME/Processed", "CME/Review"):
                print("   %-14s %d message(s)" % (folder, len(s.mailbox(CME, folder))))

            step("what each recipient received (read back over IMAP)")
            for who, addr in RECIPIENTS:
                box = s.mailbox(addr, wait=10 if "nothing" not in who else 0, count=1)
                print("\n-- %s <%s>: %d message(s)" % (who, addr, len(box)))
                for m in box:
                    h = m["headers"]
                    print("   Subject: %s" % m["subject"])
                    print("   From: %s" % m["from"])
                    print("   Auto-Submitted: %s" % (h.get("auto-submitted") or ["-"])[0])
                    body = [l for l in (m["body"] or "").splitlines() if l.strip()][:6]
                    for line in body:
                        print("   | " + line)
            step("stopping the servers")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
