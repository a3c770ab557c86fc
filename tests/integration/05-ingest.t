#!/usr/bin/env python3
# 05-ingest.t - the pipeline from files and Maildirs, without mail servers:
# `cmegw ingest` spools, parses, routes and registers; `parse` prints the
# FIELDS.md record; the same bytes twice change nothing.
import email
import email.policy
import json
import os
import shutil
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cmegwtest import ROOT, cmegw, cmegw_json, run

EX = os.path.join(ROOT, "examples")
TOP_KEYS = {"kind", "message", "case_ref", "child", "address", "carers", "siblings", "school",
            "previous_school", "destination", "deletion", "risk", "referrer", "issues",
            "more_pupils"}
CHILD_KEYS = {"forename", "middle_names", "surname", "preferred_name", "dob", "sex", "upn",
              "former_upn", "ethnicity", "eal", "fsm", "sen"}


def config(work):
    pw = os.path.join(work, "pw")
    with open(pw, "w") as f:
        f.write("unused\n")
    path = os.path.join(work, "cmegw.conf")
    with open(path, "w") as f:
        f.write("""[authority]
code = E06000035
name = Medway Council
address = cme@medway.example.org
[imap]
host = 127.0.0.1
user = cme@medway.example.org
password_file = pw
[smtp]
url = smtp://127.0.0.1:1
from = cmegw@medway.example.org
[storage]
database = db/cmegw.db
spool = spool
[recipients]
team = cme-officers@medway.example.org
safeguarding_hub = hub@medway.example.org
""")
    return path


def main(t):
    work = tempfile.mkdtemp(prefix="cmegw-ingest-")
    conf = config(work)

    r = cmegw(conf, "parse", os.path.join(EX, "referrals", "01-school-referral.eml"),
              "--format", "json")
    t.eq(r.returncode, 0, "parse exits 0")
    rec = json.loads(r.stdout) if r.returncode == 0 else {}
    t.eq(set(rec), TOP_KEYS, "parse prints every top-level FIELDS.md key")
    t.eq(set(rec.get("child", {})), CHILD_KEYS, "and every child key")
    t.eq((rec.get("kind"), rec.get("child", {}).get("surname"), rec.get("child", {}).get("dob"),
          rec.get("address", {}).get("postcode")),
         ("referral", "Testchild", "2015-03-14", "ME4 4TR"),
         "the school's plain-text e-form is read: kind, surname, day-first date, postcode")
    t.eq(rec.get("message", {}).get("message_id"), "ref-0001@riverside-primary.school.example.net",
         "message_id without angle brackets")

    r = cmegw(conf, "parse", os.path.join(work, "nope.eml"))
    t.eq(r.returncode, 2, "parse of a missing file is bad input (exit 2)")

    # A Maildir holding the referrals, plus a directory of other mail.
    md = os.path.join(work, "Maildir")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, sub))
    for i, name in enumerate(sorted(os.listdir(os.path.join(EX, "referrals")))):
        shutil.copy(os.path.join(EX, "referrals", name), os.path.join(md, "new", "%d.host" % i))
    r = cmegw(conf, "ingest", md, os.path.join(EX, "other"))
    t.eq(r.returncode, 0, "ingest of a Maildir and a directory exits 0")
    t.diag(r.stderr)
    t.ok("Testchild" not in r.stderr and "ME4" not in r.stderr, "ingest logs no child details")
    cases = cmegw_json(conf, "cases")
    t.eq(len(cases), 3, "three cases from three referrals")
    t.eq(sorted(c["risk"] for c in cases), ["immediate", "standard", "standard"],
         "the child protection plan case is immediate")
    out = cmegw_json(conf, "outbox")
    t.ok(len(out) >= 7 and all(o["status"] == "queued" for o in out),
         "notifications are queued, not sent, without --send", [(o["kind"], o["status"]) for o in out])
    t.eq(sum(1 for o in out if o["kind"] == "review_needed"), 1, "the bulletin is a review item")
    t.eq(sum(1 for o in out if o["kind"] == "ack_referrer"), 3, "out-of-office not acknowledged")

    db = sqlite3.connect(os.path.join(work, "db", "cmegw.db"))
    rows = db.execute("SELECT status, count(*) FROM messages GROUP BY status ORDER BY status").fetchall()
    t.eq(rows, [("processed", 4), ("review", 1)], "messages table: 4 processed, 1 for review")
    spooled = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(work, "spool")) for f in fs]
    t.eq(len(spooled), 5, "every message is in the spool")
    src = open(os.path.join(EX, "other", "newsletter.eml"), "rb").read()
    t.ok(any(open(p, "rb").read() == src for p in spooled), "the spool keeps the bytes exactly")
    t.eq(db.execute("PRAGMA journal_mode").fetchone()[0], "wal", "the register is in WAL mode")

    r = cmegw(conf, "ingest", md, os.path.join(EX, "other"))
    t.eq(r.returncode, 0, "ingest of the same files again exits 0")
    t.eq(len(cmegw_json(conf, "cases")), 3, "the same files again open no case")
    t.eq(len(cmegw_json(conf, "outbox")), len(out), "and queue nothing")
    rows = db.execute("SELECT count(*) FROM messages WHERE status = 'duplicate'").fetchone()
    t.eq(rows[0], 5, "each is recorded as a duplicate")

    ref = cases[0]["ref"]
    r = cmegw(conf, "case", "show", ref)
    t.eq(r.returncode, 0, "case show exits 0")
    t.ok(ref in r.stdout and "opened" in r.stdout, "case show prints the case and its events")
    r = cmegw(conf, "case", "show", "CME-2026-999999")
    t.eq(r.returncode, 2, "case show of an unknown reference exits 2")
    r = cmegw(conf, "cases", "--format", "csv")
    t.eq(len(r.stdout.strip().splitlines()), 4, "cases --format csv: header and three rows")
    r = cmegw(conf, "frobnicate")
    t.eq(r.returncode, 2, "an unknown command is a usage error")
    for cmd in ("parse", "ingest", "poll", "cases", "case", "outbox", "send", "import-postcodes",
                "check-config"):
        r = cmegw(conf, cmd, "--help")
        t.ok(r.returncode == 0 and "usage: cmegw" in r.stdout, "%s --help" % cmd)

    # import-postcodes reads ONSPD too, by header names; a bad file changes nothing.
    r = cmegw(conf, "import-postcodes", os.path.join(ROOT, "tests", "data", "postcodes-onspd.csv"))
    t.eq(r.returncode, 0, "import-postcodes reads the ONSPD layout")
    got = dict(db.execute("SELECT postcode, la FROM postcodes").fetchall())
    t.eq(got, {"DE4 3AG": "E10000007", "CF37 1DU": "W06000016"},
         "two-tier postcode goes to the county, Welsh to the unitary")
    bad = os.path.join(work, "bad.csv")
    with open(bad, "w") as f:
        f.write("a,b,c\n1,2,3\n")
    r = cmegw(conf, "import-postcodes", bad)
    t.eq(r.returncode, 2, "a CSV without the directory's columns is bad input")
    t.ok("bad.csv" in r.stderr and "line 1" in r.stderr, "the error names the file and line", r.stderr)
    shutil.rmtree(work)

    # The acknowledgement's "by" date counts working days: Christmas, Boxing
    # Day (substitute Monday 28th) and New Year's Day are skipped.
    work = tempfile.mkdtemp(prefix="cmegw-ingest-")
    conf = config(work)
    r = cmegw(conf, "ingest", os.path.join(EX, "referrals", "01-school-referral.eml"),
              now="2026-12-23T10:00:00Z")
    t.eq(r.returncode, 0, "ingest on 23 December exits 0")
    db = sqlite3.connect(os.path.join(work, "db", "cmegw.db"))
    raw = db.execute("SELECT raw FROM outbox WHERE kind = 'ack_referrer'").fetchone()
    body = ""
    if raw:
        msg = email.message_from_bytes(raw[0], policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain",))
        body = part.get_content() if part else ""
    t.ok("Monday 04 January 2027" in body,
         "5 working days from Wednesday 23 December 2026 is Monday 4 January 2027", body)
    shutil.rmtree(work)


run(main)
