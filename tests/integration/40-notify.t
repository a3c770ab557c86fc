#!/usr/bin/env python3
# 40-notify.t - notifications through the real Postfix into the recipients'
# Dovecot mailboxes (issue 6): the structure and headers of each kind
# (multipart/alternative, Auto-Submitted, X-Auto-Response-Suppress, our stored
# Message-ID, threading); no child details to a domain off the secure list;
# the per-day acknowledgement cap; a bounce of our acknowledgement causes no
# further mail, a bounced cross-border notice alerts the team; an SMTP outage
# then recovery delivers each notification once; a run that died mid-send is
# not resent; a 5xx-rejected recipient ends failed with an alert; reminders,
# escalations and digests, each once; check-config renders every template.
import email
import email.policy
import glob
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cmegwtest import (closed_port, CME, CMEGW, GATEWAY, HUB, KENT, ROOT, TEAM, Servers, cmegw, cmegw_json,
                       run, write_config)

EX = os.path.join(ROOT, "examples")
SCHOOL = "dsl@riverside-primary.school.example.net"
OAKFIELD = "attendance@oakfield-academy.school.example.net"
LEAD = "cme-lead@medway.example.org"
SOCIAL = "social-care@medway.example.org"
NOW = "2026-12-01T10:00:00Z"


def raw_messages(s, user):
    """Every message in USER's INBOX as parsed email.message objects, read from
    the Maildir (mailtool shows only the text part)."""
    local, domain = user.split("@")
    base = os.path.join(s.env["MAIL_DIR"], domain, local, "Maildir")
    out = []
    for path in sorted(glob.glob(os.path.join(base, "cur", "*")) +
                       glob.glob(os.path.join(base, "new", "*"))):
        with open(path, "rb") as f:
            out.append(email.message_from_binary_file(f, policy=email.policy.default))
    return out


def parts(msg):
    """(text, html) of a multipart/alternative message, or (text, None)."""
    text = html = None
    for p in msg.walk():
        if p.get_content_type() == "text/plain" and text is None:
            text = p.get_content()
        elif p.get_content_type() == "text/html" and html is None:
            html = p.get_content()
    return text, html


def config(s, work, extra="", name="cmegw.conf", **over):
    main_conf = os.path.join(work, "cmegw.conf")
    saved = open(main_conf).read() if os.path.exists(main_conf) else None
    conf = write_config(s, work, **over)   # always writes WORK/cmegw.conf
    if name != "cmegw.conf":
        os.rename(conf, os.path.join(work, name))
        conf = os.path.join(work, name)
        if saved is not None:
            with open(main_conf, "w") as f:
                f.write(saved)
    with open(conf, "a") as f:
        f.write("\n[recipients]\nteam_lead = %s\nsocial_care = %s\n" % (LEAD, SOCIAL))
        f.write(extra)
    return conf


def referral_copy(work, src, name, msgid, forename, surname):
    """SRC with another Message-ID and child: a second, distinct referral."""
    with open(src) as f:
        text = f.read()
    text = re.sub(r"Message-ID: <[^>]+>", "Message-ID: <%s>" % msgid, text)
    text = text.replace("Amelia", forename).replace("Testchild", surname)
    text = text.replace("H801200001001", "")
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def dsn(work, name, original_id, rcpt):
    with open(os.path.join(ROOT, "tests", "corpus", "bounce_dsn.eml")) as f:
        text = f.read()
    text = text.replace("1773320514.f00d@cmegw.council.example.org", original_id)
    text = text.replace("duty.sw@social-care.example.net", rcpt)
    text = text.replace("20260312130156.4B1C2@mx.example.net", "dsn-%s@mx.example.net" % name)
    path = os.path.join(work, name + ".eml")
    with open(path, "w") as f:
        f.write(text)
    return path


def last(r):
    """The last line cmegw wrote to stderr, for a test's name."""
    lines = r.stderr.strip().splitlines()
    return lines[-1] if lines else ""


def by_kind(outbox, kind):
    return [o for o in outbox if o["kind"] == kind]


def check_structure(t, s, outbox):
    """Every sent notification: in its recipients' mailboxes once, multipart,
    loop-protection headers, our stored Message-ID."""
    boxes = {}
    for o in outbox:
        for rcpt in o["to"]:
            if rcpt not in boxes:
                boxes[rcpt] = raw_messages(s, rcpt)
    seen_kinds = set()
    for o in outbox:
        if o["status"] != "sent":
            continue
        for rcpt in o["to"]:
            got = [m for m in boxes[rcpt] if (m["Message-ID"] or "").strip("<> ") == o["message_id"]]
            if not t.ok(len(got) == 1, "%s %d reached %s once" % (o["kind"], o["id"], rcpt),
                        [m["Message-ID"] for m in boxes[rcpt]]):
                continue
            if o["kind"] in seen_kinds:
                continue
            seen_kinds.add(o["kind"])
            m = got[0]
            t.eq(m.get_content_type(), "multipart/alternative", "%s is multipart/alternative" % o["kind"])
            text, html = parts(m)
            t.ok(text and html and "<" in html, "%s has a text and an HTML part" % o["kind"])
            t.eq(str(m["Auto-Submitted"]), "auto-generated", "%s is Auto-Submitted" % o["kind"])
            t.eq(str(m["X-Auto-Response-Suppress"]), "All", "%s suppresses auto-responses" % o["kind"])
            t.ok(GATEWAY in str(m["From"]), "%s is from the gateway" % o["kind"])
            if o["case_ref"]:
                t.ok("[%s]" % o["case_ref"] in str(m["Subject"]), "%s carries its case tag" % o["kind"])
    return seen_kinds


def main(t):
    work = tempfile.mkdtemp(prefix="cmegw-notify-")
    with Servers() as s:
        # Kent is NOT on the secure list here ([recipients] secure_domains,
        # empty, overrides the [notify] alias): it gets the reference only.
        conf = config(s, work, "secure_domains =\n[notify]\nack_daily_cap = 1\n")
        r = cmegw(conf, "check-config")
        t.eq(r.returncode, 0, "check-config renders every template: " + last(r))
        t.ok("no HTML part" not in r.stderr, "every shipped kind has an HTML part", r.stderr)

        for sender, path in ((SCHOOL, "referrals/01-school-referral.eml"),
                             ("referrals@health.example.net", "referrals/02-health-referral-html.eml"),
                             (OAKFIELD, "referrals/03-cross-border-referral.eml")):
            s.send(sender, CME, os.path.join(EX, path))
        second = referral_copy(work, os.path.join(EX, "referrals", "01-school-referral.eml"),
                               "second.eml", "ref-0002@riverside-primary.school.example.net",
                               "Bella", "Secondchild")
        s.send(SCHOOL, CME, second)
        t.eq(len(s.mailbox(CME, wait=20, count=4)), 4, "four referrals reached the CME inbox")
        cmegw(conf, "import-postcodes")
        r = cmegw(conf, "poll", now=NOW)
        t.eq(r.returncode, 0, "poll exits 0: " + last(r))
        outbox = cmegw_json(conf, "outbox")
        t.ok(all(o["status"] == "sent" for o in outbox), "every notification was sent",
             [(o["kind"], o["status"], o["last_error"]) for o in outbox])
        s.mailbox(TEAM, wait=20, count=4)
        s.mailbox(KENT, wait=20, count=1)
        kinds = check_structure(t, s, outbox)
        t.ok({"ack_referrer", "officer_alert", "safeguarding_alert", "cross_border_notice"} <= kinds,
             "acknowledgement, officer alert, safeguarding alert and cross-border notice checked",
             sorted(kinds))

        # Threading: the acknowledgement answers the referral.
        acks = raw_messages(s, SCHOOL)
        t.eq(len(acks), 1, "the per-day cap: one acknowledgement for two referrals from one school")
        if acks:
            t.eq(str(acks[0]["In-Reply-To"]), "<ref-0001@riverside-primary.school.example.net>",
                 "the acknowledgement's In-Reply-To is the referral")
            t.eq(str(acks[0]["References"]), "<ref-0001@riverside-primary.school.example.net>",
                 "and so are its References")
            text, html = parts(acks[0])
            t.ok("by " in text and re.search(r"\d{4}", text), "it says what happens next, by when", text)
        t.eq(len(by_kind(outbox, "officer_alert")), 4, "officer alerts are never capped (four)")
        oak = raw_messages(s, OAKFIELD)
        if t.eq(len(oak), 1, "the academy got its acknowledgement"):
            text, html = parts(oak[0])
            t.ok("we still need" in text and "unique pupil number" in text and
                 "unique pupil number" in html,
                 "a referral with an unreadable UPN is asked for exactly that", text)
        if acks:
            t.ok("we still need" not in parts(acks[0])[0],
                 "a complete referral is asked for nothing", parts(acks[0])[0])

        # Data minimisation: Kent is off the list.
        kent = raw_messages(s, KENT)
        t.eq(len(kent), 1, "Kent got its cross-border notice")
        if kent:
            text, html = parts(kent[0])
            leaked = [w for w in ("Samplechild", "Leo", "2012-01-21", "21/01/2012", "CT1 1AA")
                      if w in text + html]
            t.eq(leaked, [], "no child's name, date of birth or postcode to a domain off the list")
            t.ok("withheld" in text and "withheld" in html, "the details say withheld, in both parts")
        team = raw_messages(s, TEAM)
        t.ok(any("Samplechild" in parts(m)[0] for m in team),
             "our own team, on our domain, is told the child's name")

        # A bounce of our acknowledgement: failed, and no further mail.
        ack = by_kind(outbox, "ack_referrer")[0]
        counts = {u: len(raw_messages(s, u)) for u in (TEAM, SCHOOL, KENT, HUB)}
        s.append(CME, "INBOX", dsn(work, "ack-bounce", ack["message_id"], ack["to"][0]))
        r = cmegw(conf, "poll", now="2026-12-01T10:05:00Z")
        t.eq(r.returncode, 0, "poll of the bounce exits 0: " + last(r))
        after = cmegw_json(conf, "outbox")
        row = [o for o in after if o["id"] == ack["id"]][0]
        t.eq((row["status"], bool(row["bounced_at"])), ("failed", True),
             "the bounced acknowledgement is failed, bounced")
        t.ok("5.1.1" in (row["last_error"] or ""), "with the bounce's reason", row["last_error"])
        t.eq(len(after), len(outbox), "the bounce of an acknowledgement queues nothing")
        s.mailbox(TEAM, wait=2, count=counts[TEAM] + 1)
        t.eq({u: len(raw_messages(s, u)) for u in counts}, counts, "and no mail went anywhere")

        # A bounced cross-border notice: the team is told an authority was not.
        notice = by_kind(outbox, "cross_border_notice")[0]
        s.append(CME, "INBOX", dsn(work, "kent-bounce", notice["message_id"], KENT))
        r = cmegw(conf, "poll", now="2026-12-01T10:10:00Z")
        t.eq(r.returncode, 0, "poll of the second bounce exits 0")
        after = cmegw_json(conf, "outbox")
        alerts = by_kind(after, "delivery_failed")
        t.eq(len(alerts), 1, "one delivery_failed alert for the bounced notice")
        got = [m for m in s.mailbox(TEAM, wait=20, count=counts[TEAM] + 1)
               if "NOT delivered" in (m["subject"] or "")]
        t.eq(len(got), 1, "the team got the alert")
        if got:
            t.ok("NOT been told" in got[0]["body"] and notice["case_ref"] in got[0]["subject"],
                 "it says a neighbouring authority was not told, and names the case", got[0]["body"])

        # SMTP down, then back: each queued notification arrives once.
        down = config(s, work, "secure_domains =\n", name="down.conf", smtp_url="smtp://127.0.0.1:%d" % closed_port())
        third = referral_copy(work, os.path.join(EX, "referrals", "01-school-referral.eml"),
                              "third.eml", "ref-0003@riverside-primary.school.example.net",
                              "Cara", "Thirdchild")
        r = cmegw(down, "ingest", "--send", third, now="2026-12-02T09:00:00Z")
        t.eq(r.returncode, 1, "ingest --send with SMTP down exits 1")
        queued = [o for o in cmegw_json(conf, "outbox") if o["status"] == "queued"]
        t.ok(len(queued) >= 2 and queued[0]["attempts"] == 1 and queued[0]["last_error"],
             "its notifications are queued, the attempt and its error recorded", queued)
        r = cmegw(conf, "send", now="2026-12-02T09:30:00Z")
        t.eq(r.returncode, 0, "send with SMTP back exits 0: " + last(r))
        r = cmegw(conf, "send", now="2026-12-02T10:30:00Z")
        final = cmegw_json(conf, "outbox")
        for o in queued:
            row = [x for x in final if x["id"] == o["id"]][0]
            n = sum(1 for rcpt in row["to"] for m in raw_messages(s, rcpt)
                    if (m["Message-ID"] or "").strip("<> ") == row["message_id"])
            t.eq((row["status"], n), ("sent", len(row["to"])),
                 "%s %d: sent, arrived once per recipient" % (row["kind"], row["id"]))

        # A run that died after the send, before the update: not sent twice.
        db = sqlite3.connect(os.path.join(work, "cmegw.db"))
        victim = by_kind(final, "officer_alert")[-1]
        db.execute("UPDATE outbox SET status = 'queued' WHERE id = ?", (victim["id"],))
        db.execute("UPDATE outbox_recipients SET status = 'sending', started_at ="
                   " '2026-12-02T11:00:00Z' WHERE outbox_id = ?", (victim["id"],))
        db.commit()
        before = len(raw_messages(s, TEAM))
        r = cmegw(conf, "send", now="2026-12-02T12:00:00Z")
        row = [x for x in cmegw_json(conf, "outbox") if x["id"] == victim["id"]][0]
        t.eq(row["status"], "failed", "a notification left mid-send is failed, not resent")
        t.ok("interrupted" in (row["last_error"] or ""), "saying so", row["last_error"])
        got = s.mailbox(TEAM, wait=20, count=before + 1)
        t.eq(len(got), before + 1, "the team got one mail: the alert, not the alert again")
        t.eq(sum(1 for m in raw_messages(s, TEAM)
                 if (m["Message-ID"] or "").strip("<> ") == victim["message_id"]), 1,
             "the interrupted notification is in the team's mailbox once")

        # Reminders and escalations from the deadlines table.
        cases = cmegw_json(conf, "cases")
        ids = dict(db.execute("SELECT ref, id FROM cases").fetchall())
        ref_a, ref_b = cases[0]["ref"], cases[1]["ref"]
        db.execute("INSERT INTO deadlines(case_id, kind, due, state) VALUES (?, 'first_enquiries',"
                   " '2026-12-04', 'open')", (ids[ref_a],))
        db.execute("INSERT INTO deadlines(case_id, kind, due, state) VALUES (?, 'home_visit',"
                   " '2026-11-30', 'open')", (ids[ref_b],))
        db.execute("INSERT INTO deadlines(case_id, kind, due, state) VALUES (?, 'far_off',"
                   " '2027-06-01', 'open')", (ids[ref_b],))
        db.commit()
        team_before = len(raw_messages(s, TEAM))
        r = cmegw(conf, "remind", now="2026-12-03T08:00:00Z")
        t.eq(r.returncode, 0, "remind exits 0: " + last(r))
        rem = by_kind(cmegw_json(conf, "outbox"), "reminder")
        t.eq(sorted((o["case_ref"], o["to"][0]) for o in rem), sorted([(ref_a, TEAM), (ref_b, LEAD)]),
             "a reminder to the team before the due date, an escalation to the team lead after")
        lead = s.mailbox(LEAD, wait=20, count=1)
        t.ok(len(lead) == 1 and "OVERDUE" in lead[0]["subject"] and ref_b in lead[0]["subject"],
             "the team lead's escalation says overdue", [m["subject"] for m in lead])
        r = cmegw(conf, "remind", now="2026-12-03T09:00:00Z")
        t.eq(len(by_kind(cmegw_json(conf, "outbox"), "reminder")), 2, "remind again: nothing new")
        reminded = db.execute("SELECT count(*) FROM deadlines WHERE reminded_at IS NOT NULL").fetchone()[0]
        t.eq(reminded, 2, "the deadlines record when they were reminded")

        # The officers' digest, once a day, and the weekly social care summary.
        r = cmegw(conf, "digest", now="2026-12-03T08:00:00Z")
        t.eq(r.returncode, 0, "digest exits 0: " + last(r))
        r = cmegw(conf, "digest", now="2026-12-03T09:00:00Z")
        digests = by_kind(cmegw_json(conf, "outbox"), "officer_digest")
        t.eq(len(digests), 1, "one digest a day however often it runs")
        got = [m for m in raw_messages(s, TEAM) if "digest" in str(m["Subject"])]
        t.eq(len(got), 1, "the team got the digest")
        if got:
            text, html = parts(got[0])
            t.ok("DEADLINES OVERDUE" in text and ref_b in text and "home_visit" in text,
                 "the digest lists the overdue deadline", text)
            t.ok("first_enquiries" not in text.split("DEADLINES OVERDUE")[1].split("OPEN LONGER")[0],
                 "and not the one still to come", text)
            t.ok("<table" in html and "home_visit" in html, "its HTML part is a table")
            t.ok("interrupted" in text and "officer_alert" in text,
                 "it lists the failed notification", text)
        r = cmegw(conf, "digest", "social-care", now="2026-12-03T08:00:00Z")
        t.eq(r.returncode, 0, "digest social-care exits 0: " + last(r))
        got = s.mailbox(SOCIAL, wait=20, count=1)
        t.eq(len(got), 1, "children's social care got the weekly summary")
        if got:
            t.ok("Examplefamily" in got[0]["body"] and "Thirdchild" in got[0]["body"],
                 "it lists the week's referrals (our own domain: with names)", got[0]["body"])

        # What the morning timer runs: the digest daily, the summary on its weekday.
        for day in ("2026-12-07T08:00:00Z", "2026-12-08T08:00:00Z"):   # Monday, Tuesday
            r = cmegw(conf, "digest", "daily", now=day)
            t.eq(r.returncode, 0, "digest daily on %s exits 0: %s" % (day[:10], last(r)))
        ob = cmegw_json(conf, "outbox")
        t.eq((len(by_kind(ob, "officer_digest")), len(by_kind(ob, "social_care_summary"))), (3, 2),
             "digest daily: a digest each day, the social care summary on Monday only")

        # 5xx: a neighbour address that Postfix refuses ends failed, with an alert.
        work2 = tempfile.mkdtemp(prefix="cmegw-notify5-")
        conf2 = write_config(s, work2)
        with open(conf2) as f:
            text = f.read().replace(KENT, "cme@kent.invalid").replace(
                "safeguarding_hub = %s" % HUB, "safeguarding_hub = %s; duty@hub.invalid" % HUB)
        with open(conf2, "w") as f:
            f.write(text)
        cmegw(conf2, "import-postcodes")
        hub_before = len(raw_messages(s, HUB))
        r = cmegw(conf2, "ingest", "--send", os.path.join(EX, "referrals", "03-cross-border-referral.eml"),
                  os.path.join(EX, "referrals", "02-health-referral-html.eml"), now="2026-12-02T09:00:00Z")
        ob = cmegw_json(conf2, "outbox")
        nb = by_kind(ob, "cross_border_notice")
        t.ok(len(nb) == 1 and nb[0]["status"] == "failed" and "554" in (nb[0]["last_error"] or ""),
             "the 5xx-rejected notice is failed at once, with the server's reply", nb)
        sg = by_kind(ob, "safeguarding_alert")
        t.ok(len(sg) == 1 and sg[0]["status"] == "failed" and "duty@hub.invalid" in sg[0]["last_error"]
             and HUB not in sg[0]["last_error"],
             "per recipient: the alert to a hub with one refused address is failed for that one", sg)
        t.eq(len(s.mailbox(HUB, wait=20, count=hub_before + 1)), hub_before + 1,
             "while the hub's good address got it")
        al = by_kind(ob, "delivery_failed")
        t.ok(len(al) == 2 and all(a["status"] == "sent" for a in al),
             "and the team's alerts about both were sent", al)
        t.ok(all(o["status"] == "sent" for o in ob
                 if o["kind"] not in ("cross_border_notice", "safeguarding_alert")),
             "the other notifications were sent", [(o["kind"], o["status"]) for o in ob])

        # Past the retry horizon: failed, the team alerted once SMTP is back.
        work3 = tempfile.mkdtemp(prefix="cmegw-notify-h-")
        conf3 = write_config(s, work3)
        dead = config(s, work3, name="dead.conf", smtp_url="smtp://127.0.0.1:%d" % closed_port())
        cmegw(conf3, "import-postcodes")
        r = cmegw(dead, "ingest", "--send", os.path.join(EX, "referrals", "01-school-referral.eml"),
                  now="2026-12-02T09:00:00Z")
        r = cmegw(dead, "send", now="2026-12-03T09:00:00Z")
        first = cmegw_json(conf3, "outbox")[0]
        t.eq(first["status"], "queued", "a day later, inside the horizon, it is still queued")
        r = cmegw(dead, "send", now="2026-12-04T09:01:00Z")
        first = cmegw_json(conf3, "outbox")[0]
        t.ok(first["status"] == "failed" and "gave up" in (first["last_error"] or ""),
             "past [smtp] retry_horizon (two days) it is failed", first)
        r = cmegw(conf3, "send", now="2026-12-04T09:30:00Z")
        got = [m for m in s.mailbox(TEAM, wait=20, count=len(raw_messages(s, TEAM)) + 1)
               if "NOT delivered" in (m["subject"] or "") and first["kind"] in m["subject"]]
        t.ok(len(got) >= 1, "and the team is told when the server is back",
             [m["subject"] for m in s.mailbox(TEAM)])

        # The daemon sends the digest on schedule ([digest] time has passed today).
        work4 = tempfile.mkdtemp(prefix="cmegw-notify-d-")
        conf4 = config(s, work4, "[digest]\ntime = 00:00\n[imap]\npoll_interval = 600\n")
        before = len([m for m in s.mailbox(TEAM) if "daily digest" in (m["subject"] or "")])
        log = open(os.path.join(work4, "run.log"), "w+")
        d = subprocess.Popen([CMEGW, "--config", conf4, "run"], stdin=subprocess.DEVNULL,
                             stdout=log, stderr=log)
        try:
            deadline = time.time() + 20
            n = before
            while time.time() < deadline and n == before:
                time.sleep(0.5)
                n = len([m for m in s.mailbox(TEAM) if "daily digest" in (m["subject"] or "")])
            t.eq(n, before + 1, "cmegw run sent the officers' digest on schedule")
        finally:
            d.send_signal(signal.SIGTERM)
            d.wait(timeout=20)
        digests = by_kind(cmegw_json(conf4, "outbox"), "officer_digest")
        t.eq(len(digests), 1, "once")

        # check-config: an authority's override with an unknown name fails, naming it.
        local = os.path.join(work, "local")
        os.makedirs(local)
        with open(os.path.join(local, "ack_referrer.html"), "w") as f:
            f.write("<p>Dear {{referrer_name}},</p>\n<p>{{chlid_name}}</p>\n")
        bad = config(s, work, name="bad.conf", extra="[notify]\nlocal_templates = %s\n" % local)
        r = cmegw(bad, "check-config")
        t.eq(r.returncode, 2, "check-config fails on an unknown name in an override")
        t.ok(re.search(r"local/ack_referrer\.html' line 2: unknown name 'chlid_name'", r.stderr),
             "naming the override file, the line and the name", r.stderr)

        # An officer closes a case by hand under tell_referrer_on_close: `send`
        # delivers case_closed_referrer to the acknowledged referrer, once.
        told = config(s, work, name="told.conf",
                      extra="[routing]\ntell_referrer_on_close = yes\n")
        ack = [o for o in by_kind(cmegw_json(told, "outbox"), "ack_referrer")
               if o["to"] == [OAKFIELD]][0]
        before = len(raw_messages(s, OAKFIELD))
        r = cmegw(told, "case", "close", ack["case_ref"], "moved_la")
        t.eq(r.returncode, 0, "case close under tell_referrer_on_close exits 0: " + last(r))
        r = cmegw(told, "send")
        t.eq(r.returncode, 0, "send exits 0: " + last(r))
        r = cmegw(told, "case", "close", ack["case_ref"], "moved_la")
        t.eq(r.returncode, 2, "a second close is refused: " + last(r))
        cmegw(told, "send")
        s.mailbox(OAKFIELD, wait=20, count=before + 1)
        s.mailbox(OAKFIELD, wait=2, count=before + 2)   # a second would be here by now
        got = [m for m in raw_messages(s, OAKFIELD) if "case closed" in str(m["Subject"])]
        t.eq(len(got), 1, "the referrer got one case_closed_referrer")
        if got:
            t.ok("[%s]" % ack["case_ref"] in str(got[0]["Subject"]), "with the case tag")
            text, html = parts(got[0])
            t.ok(text and "moved_la" not in text and "enquiries are complete" in text,
                 "saying the case is closed, not the outcome", text)


run(main)
