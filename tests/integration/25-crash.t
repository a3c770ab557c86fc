#!/usr/bin/env python3
# 25-crash.t - kill -9 at the worst instants of a poll: after a message is
# fetched but before anything is committed, and after the commit but before
# the message leaves INBOX. Afterwards nothing is lost and nothing is doubled:
# each referral is one case, each notification is delivered once.
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cmegwtest import CME, ROOT, TEAM, Servers, cmegw, cmegw_json, run, write_config

EX = os.path.join(ROOT, "examples", "referrals")
SENDERS = ["dsl@riverside-primary.school.example.net", "referrals@health.example.net",
           "attendance@oakfield-academy.school.example.net"]
ACKS = ["dsl@riverside-primary.school.example.net", "sam.nurse@health.example.net",
        "attendance@oakfield-academy.school.example.net"]


def main(t):
    work = tempfile.mkdtemp(prefix="cmegw-crash-")
    with Servers() as s:
        conf = write_config(s, work)
        for sender, name in zip(SENDERS, sorted(os.listdir(EX))):
            s.send(sender, CME, os.path.join(EX, name))
        t.eq(len(s.mailbox(CME, wait=20, count=3)), 3, "three referrals in INBOX")
        cmegw(conf, "import-postcodes")

        os.environ["CMEGW_FAULT"] = "poll:after-fetch"
        r = cmegw(conf, "poll")
        t.eq(r.returncode, -9, "killed after the first fetch")
        t.eq(len(s.mailbox(CME)), 3, "all three still in INBOX")
        t.eq(cmegw_json(conf, "cases"), [], "no case committed")

        os.environ["CMEGW_FAULT"] = "poll:before-move"
        r = cmegw(conf, "poll")
        t.eq(r.returncode, -9, "killed after the first commit, before its move")
        t.eq(len(s.mailbox(CME)), 3, "all three still in INBOX")
        t.eq(len(cmegw_json(conf, "cases")), 1, "the first referral's case is committed")
        t.ok(all(o["status"] == "queued" for o in cmegw_json(conf, "outbox")),
             "its notifications are queued, none sent")

        del os.environ["CMEGW_FAULT"]
        r = cmegw(conf, "poll")
        t.eq(r.returncode, 0, "the next poll completes: " + r.stderr.strip())
        t.eq(len(s.mailbox(CME)), 0, "INBOX is empty")
        t.eq(len(s.mailbox(CME, "CME/Processed")), 3, "each message is in the processed folder once")
        cases = cmegw_json(conf, "cases")
        t.eq(len(cases), 3, "three cases, not four")
        out = cmegw_json(conf, "outbox")
        t.ok(all(o["status"] == "sent" for o in out), "every notification sent")
        for addr in ACKS:
            t.eq(len(s.mailbox(addr, wait=20, count=1)), 1, "%s acknowledged exactly once" % addr)
        t.eq(len(s.mailbox(TEAM, wait=20, count=3)), 3, "the team alerted once per case")


run(main)
