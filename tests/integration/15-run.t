#!/usr/bin/env python3
# 15-run.t - `cmegw run`, the daemon: a referral mailed while it waits in IMAP
# IDLE is filed and acknowledged within seconds, without a poll timer; SIGTERM
# stops it cleanly.
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cmegwtest import CMEGW, CME, ROOT, Servers, cmegw_json, run, write_config

REFERRAL = os.path.join(ROOT, "examples", "referrals", "01-school-referral.eml")
REFERRER = "dsl@riverside-primary.school.example.net"


def stop(d):
    """SIGTERM, then the exit status within 10 s (None: it did not stop)."""
    d.send_signal(signal.SIGTERM)
    try:
        return d.wait(timeout=10)
    except subprocess.TimeoutExpired:
        return None


def reap(d):
    """A daemon still running after its test is killed."""
    if d.poll() is None:
        d.kill()
        d.wait()

def main(t):
    work = tempfile.mkdtemp(prefix="cmegw-run-")
    with Servers() as s:
        conf = write_config(s, work)
        with open(conf, "a") as f:
            f.write("\n[imap]\npoll_interval = 600\n")   # only IDLE can wake it in time
        log = open(os.path.join(work, "run.log"), "w+")
        d = subprocess.Popen([CMEGW, "--config", conf, "run"], stdin=subprocess.DEVNULL,
                             stdout=log, stderr=log)
        try:
            time.sleep(1.5)
            t.ok(d.poll() is None, "the daemon is running")
            s.send(REFERRER, CME, REFERRAL)
            start = time.time()
            acks = s.mailbox(REFERRER, wait=30, count=1)
            took = time.time() - start
            t.eq(len(acks), 1, "the referral mailed while it waited was acknowledged")
            t.ok(took < 20, "within seconds (IDLE woke it): %.1f s" % took)
            t.eq(len(s.mailbox(CME)), 0, "and moved out of INBOX")
            t.eq(stop(d), 0, "SIGTERM stops it cleanly (exit 0)")
        finally:
            reap(d)
        log.seek(0)
        text = log.read()
        t.ok("run: stopped" in text, "it says it stopped", text)
        t.ok("Testchild" not in text, "its log names no child")
        cases = cmegw_json(conf, "cases")
        t.eq(len(cases), 1, "one case in the register")

        # --now is honoured by the daemon too: its clock starts there.
        s.send(REFERRER, CME, os.path.join(ROOT, "examples", "referrals",
                                           "03-cross-border-referral.eml"))
        s.mailbox(CME, wait=20, count=1)
        d = subprocess.Popen([CMEGW, "--config", conf, "--now", "2027-06-01T09:00:00Z", "run"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 20
            while time.time() < deadline and len(cmegw_json(conf, "cases")) < 2:
                time.sleep(0.3)
            # The case is in: the daemon is now sending its notices, not yet
            # waiting in IDLE. A stop that comes then must not wait for the
            # IDLE timeout (600 s) once the wait begins.
            t.eq(stop(d), 0, "SIGTERM in the middle of a cycle stops it within seconds")
        finally:
            reap(d)
        refs = sorted(c["ref"] for c in cmegw_json(conf, "cases"))
        t.ok(len(refs) == 2 and refs[1].startswith("CME-2027-"),
             "a case opened by `run --now 2027-...` is numbered in 2027", refs)


run(main)
