#!/usr/bin/env python3
# 10-poll.t - the spine end to end: referrals mailed to the CME mailbox through a
# real Postfix land in a real Dovecot; `cmegw poll` files them as cases, moves
# them out of INBOX and mails the referrer, the team, the hub and the
# neighbouring authority; a second poll changes nothing.
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cmegwtest import (CME, GATEWAY, HUB, KENT, ROOT, TEAM, Servers, cmegw, cmegw_json,
                       run, write_config)

EX = os.path.join(ROOT, "examples")
REFERRALS = [
    ("dsl@riverside-primary.school.example.net", "referrals/01-school-referral.eml"),
    ("referrals@health.example.net", "referrals/02-health-referral-html.eml"),
    ("attendance@oakfield-academy.school.example.net", "referrals/03-cross-border-referral.eml"),
    ("busy@example.net", "other/out-of-office.eml"),
    ("bulletin@example.org", "other/newsletter.eml"),
]
TAG = re.compile(r"\[(CME-\d{4}-\d{6})\]")


def header(msg, name):
    vals = msg["headers"].get(name.lower(), [])
    return vals[0] if vals else None


def main(t):
    work = tempfile.mkdtemp(prefix="cmegw-poll-")
    with Servers() as s:
        conf = write_config(s, work)
        for sender, path in REFERRALS:
            s.send(sender, CME, os.path.join(EX, path))
        inbox = s.mailbox(CME, wait=20, count=len(REFERRALS))
        t.eq(len(inbox), len(REFERRALS), "the referrals reached the CME inbox through Postfix")

        r = cmegw(conf, "import-postcodes")
        t.eq(r.returncode, 0, "import-postcodes loads the NSPL sample: " + r.stderr.strip())

        r = cmegw(conf, "poll")
        t.eq(r.returncode, 0, "poll exits 0")
        t.diag(r.stderr)
        t.ok("Amelia" not in r.stderr and "Testchild" not in r.stderr and "ME4 4TR" not in r.stderr,
             "poll's log names no child, no postcode", r.stderr)

        cases = cmegw_json(conf, "cases")
        t.eq(len(cases), 3, "three referrals opened three cases")
        by_surname = {c["child"]["surname"]: c for c in cases}
        t.eq(sorted(by_surname), ["Examplefamily", "Samplechild", "Testchild"],
             "the cases are the three children")
        for c in cases:
            t.ok(re.fullmatch(r"CME-2026-\d{6}", c["ref"] or "") is not None,
                 "case reference %s has the form CME-YYYY-NNNNNN" % c["ref"])
        a = by_surname.get("Testchild", {})
        t.eq((a.get("risk"), a.get("residence_la"), a.get("school_la"), a.get("status")),
             ("standard", "E06000035", "E06000035", "open"),
             "school referral: standard risk, lives in Medway, school in Medway")
        t.eq((a.get("child") or {}).get("dob"), "2015-03-14", "date of birth read day first")
        b = by_surname.get("Examplefamily", {})
        t.eq((b.get("risk"), b.get("residence_la")), ("immediate", "E06000035"),
             "child protection plan makes the health referral immediate")
        c = by_surname.get("Samplechild", {})
        t.eq(c.get("residence_la"), "E10000016", "Canterbury postcode routes to Kent (county, not district)")

        inbox = s.mailbox(CME)
        t.eq(len(inbox), 0, "nothing is left in INBOX")
        processed = s.mailbox(CME, "CME/Processed")
        t.eq(len(processed), 4, "three referrals and the auto-reply are in the processed folder")
        review = s.mailbox(CME, "CME/Review")
        t.eq([m["subject"] for m in review], ["Attendance conference: book your place"],
             "the message that is not a referral went to the review folder")

        outbox = cmegw_json(conf, "outbox")
        t.ok(all(o["status"] == "sent" for o in outbox), "every queued notification was sent",
             [(o["kind"], o["status"], o.get("last_error")) for o in outbox])
        kinds = sorted(o["kind"] for o in outbox)
        t.eq(kinds, sorted(["ack_referrer"] * 3 + ["officer_alert"] * 3 + ["safeguarding_alert",
                                                                          "cross_border_notice",
                                                                          "review_needed"]),
             "the outbox holds the notices the decisions call for")

        # What arrived where, on the real IMAP server.
        refs = {c["ref"] for c in cases}
        acks = {}
        # An e-form's referrer is the address the form gives, not the form server.
        ack_to = ["dsl@riverside-primary.school.example.net", "sam.nurse@health.example.net",
                  "attendance@oakfield-academy.school.example.net"]
        t.eq(s.mailbox("referrals@health.example.net"), [], "the e-form server itself is not answered")
        for sender in ack_to:
            got = s.mailbox(sender, wait=20, count=1)
            acks[sender] = got
            ok = len(got) == 1 and TAG.search(got[0]["subject"] or "") is not None
            t.ok(ok, "referrer %s got one acknowledgement tagged with its case" % sender,
                 [m["subject"] for m in got])
            if got:
                m = got[0]
                t.eq(header(m, "Auto-Submitted"), "auto-generated", "acknowledgement is Auto-Submitted")
                t.ok(TAG.search(m["subject"]).group(1) in refs, "its tag is a case in the register")
                t.ok((header(m, "Message-ID") or "").strip("<>") != "" and
                     (header(m, "Message-ID") or "").endswith("@medway.example.org>"),
                     "acknowledgement carries a Message-ID of ours", header(m, "Message-ID"))
                t.ok(GATEWAY in (header(m, "From") or ""), "acknowledgement is from the gateway")
        t.eq(s.mailbox("busy@example.net"), [], "the out-of-office sender was not answered")

        team = s.mailbox(TEAM, wait=20, count=4)
        t.eq(len(team), 4, "the team got three officer alerts and one review notice")
        t.ok(all(TAG.search(m["subject"] or "") for m in team if "review" not in m["subject"]),
             "officer alerts carry the case tag", [m["subject"] for m in team])
        leo = [m for m in team if c.get("ref", "?") in (m["subject"] or "")]
        t.ok(len(leo) == 1 and "child.upn" in leo[0]["body"],
             "the officer alert says the UPN could not be read (wrong check letter)",
             leo[0]["body"] if leo else None)
        hub = s.mailbox(HUB, wait=20, count=1)
        t.eq(len(hub), 1, "the safeguarding hub got one alert")
        if hub:
            t.eq(TAG.search(hub[0]["subject"]).group(1), b.get("ref"),
                 "the hub's alert is about the immediate-risk case")
        kent = s.mailbox(KENT, wait=20, count=1)
        t.eq(len(kent), 1, "Kent got one cross-border notice")
        if kent:
            t.eq(TAG.search(kent[0]["subject"]).group(1), c.get("ref"),
                 "Kent's notice is about the child living in Kent")
            t.ok("Samplechild" in kent[0]["body"], "a secure neighbour is told the child's name")
            t.ok("Kent (E10000016)" in kent[0]["body"], "and which authority it is, by name",
                 kent[0]["body"])
        for sender in ("sam.nurse@health.example.net",):
            body = acks[sender][0]["body"] if acks.get(sender) else ""
            t.ok("Examplefamily" not in body, "an acknowledgement to an insecure domain names no child")

        # The register and the mail it caused match: every sent Message-ID arrived.
        sent_ids = set()
        for box in [TEAM, HUB, KENT] + ack_to:
            for m in s.mailbox(box):
                sent_ids.add((header(m, "Message-ID") or "").strip("<>"))
        t.eq(len(sent_ids), len(outbox), "each notification arrived once, with its own Message-ID")

        # A second poll changes nothing.
        before = (cases, cmegw_json(conf, "outbox"))
        r = cmegw(conf, "poll")
        t.eq(r.returncode, 0, "second poll exits 0")
        after = (cmegw_json(conf, "cases"), cmegw_json(conf, "outbox"))
        t.eq(after, before, "second poll: register and outbox unchanged")
        t.eq(len(s.mailbox(TEAM)), 4, "second poll: no new mail to the team")

        # The same referral forwarded again is recognised, not a second case.
        s.send("dsl@riverside-primary.school.example.net", CME, os.path.join(EX, REFERRALS[0][1]))
        s.mailbox(CME, wait=20, count=1)
        r = cmegw(conf, "poll")
        t.eq(r.returncode, 0, "poll of a repeated message exits 0")
        t.eq(len(cmegw_json(conf, "cases")), 3, "a repeated message opens no second case")
        t.eq(len(cmegw_json(conf, "outbox")), len(outbox), "a repeated message queues nothing")
        t.eq(len(s.mailbox(CME)), 0, "the repeated message left INBOX too")

        # As after a crash between the commit and the move: the exact bytes are
        # back in INBOX under a new UID. Recognised by content, moved, nothing doubles.
        spool = os.path.join(work, "spool")
        spooled = sorted(os.path.join(d, f) for d, _, fs in os.walk(spool) for f in fs)
        t.eq(len(spooled), 6, "the spool holds every message received (5 + the repeat)")
        for p in spooled[:2]:
            s.append(CME, "INBOX", p)
        r = cmegw(conf, "poll")
        t.eq(r.returncode, 0, "poll of messages already processed exits 0")
        t.eq((len(cmegw_json(conf, "cases")), len(cmegw_json(conf, "outbox"))), (3, len(outbox)),
             "messages seen before change neither register nor outbox")
        t.eq(len(s.mailbox(CME)), 0, "and they are moved out of INBOX")

        shown = cmegw_json(conf, "case", "show", a.get("ref", "?"))
        t.eq(shown.get("messages"), ["ref-0001@riverside-primary.school.example.net"],
             "case show lists the message that fed the case")
        t.ok(any(e["kind"] == "opened" for e in shown.get("events", [])),
             "case show has the opened event")


run(main)
