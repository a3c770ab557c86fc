#!/usr/bin/env python3
# 30-profiles.t - each authority profile in etc/profiles/ passes check-config --offline,
# and plays a sequence of dated messages through `cmegw ingest` with a fixed --now;
# after each step the register, the outbox and the deadlines are checked (issue 5).
# No mail servers: ingest queues, nothing is sent.
import email
import email.policy
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cmegwtest import ROOT, cmegw, cmegw_json, run

PROFILES = os.path.join(ROOT, "etc", "profiles")


def eml(frm, subject, date, msgid, lines, headers=()):
    h = ["From: %s" % frm, "To: cme@example.org", "Subject: %s" % subject, "Date: %s" % date,
         "Message-ID: <%s>" % msgid, "MIME-Version: 1.0",
         "Content-Type: text/plain; charset=utf-8"]
    h += list(headers)
    return "\r\n".join(h) + "\r\n\r\n" + "\r\n".join(lines) + "\r\n"


def referral(msgid, forename, surname, dob, postcode, extra=(), upn=None):
    lines = ["Children Missing Education referral form", "", "Child details",
             "Forename: %s" % forename, "Surname: %s" % surname, "Date of birth: %s" % dob]
    if upn:
        lines.append("UPN: %s" % upn)
    lines += ["Current address: 12 Example Road", "Postcode: %s" % postcode, "",
              "Last known school", "School name: Riverside Primary School",
              "Date last attended: 06/11/2026", "", "Safeguarding"] + list(extra) + [
              "", "Referrer details", "Referrer name: Jane Okafor",
              "Organisation: Riverside Primary School", "Email: dsl@riverside.sch.test"]
    return eml("Ms Jane Okafor <dsl@riverside.sch.test>", "CME referral form",
               "Tue, 01 Dec 2026 09:00:00 +0000", msgid, lines)


def leaver(msgid, forename, surname, dob, postcode, reason, laestab, dest=(), school="674/2001"):
    lines = ["PUPIL LEAVER NOTIFICATION", "", "School: Valley Primary School",
             "LAESTAB: %s" % school, "", "Pupil surname: %s" % surname,
             "Pupil forename: %s" % forename, "Date of birth: %s" % dob,
             "Home address: 1 Example Street", "Postcode: %s" % postcode, "",
             "Date off roll: 30/11/2026", "Reason for leaving: %s" % reason]
    if laestab:
        lines.append("Destination LAESTAB: %s" % laestab)
    lines += list(dest)
    return eml("Office <office@valley.sch.test>", "Pupil leaver notification",
               "Tue, 01 Dec 2026 09:00:00 +0000", msgid, lines)


def joiner(msgid, forename, surname, dob, upn):
    return eml("Admissions <admissions@hilltop.sch.test>", "New pupil notification (CMJ)",
               "Thu, 10 Dec 2026 09:00:00 +0000", msgid,
               ["NEW PUPIL NOTIFICATION", "School name: Hilltop Academy", "LAESTAB: 823/4102",
                "Legal forename: %s" % forename, "Legal surname: %s" % surname,
                "Date of birth: %s" % dob, "UPN: %s" % upn, "Start date: 09/12/2026"])


def reply(msgid, ref):
    return eml("Parent <parent@home.example.net>", "Re: [%s] Your child's education" % ref,
               "Thu, 03 Dec 2026 09:00:00 +0000", msgid,
               ["Hello, we still live at the same address and are looking for a school."])


class Profile:
    """A profile copied to a scratch directory with its storage moved there."""

    def __init__(self, t, name):
        self.t = t
        self.work = tempfile.mkdtemp(prefix="cmegw-profile-")
        self.n = 0
        src = os.path.join(PROFILES, name + ".conf")
        text = open(src).read()
        text = re.sub(r"(?m)^database = .*$", "database = db/cmegw.db", text)
        text = re.sub(r"(?m)^spool = .*$", "spool = spool", text)
        for terms in re.findall(r"(?m)^term_dates = (.*)$", text):
            shutil.copy(os.path.join(PROFILES, terms), os.path.join(self.work, terms))
        self.conf = os.path.join(self.work, "cmegw.conf")
        with open(self.conf, "w") as f:
            f.write(text)

    def ingest(self, now, text):
        self.n += 1
        path = os.path.join(self.work, "m%02d.eml" % self.n)
        with open(path, "w") as f:
            f.write(text)
        r = cmegw(self.conf, "ingest", path, now=now)
        self.t.ok(r.returncode == 0, "ingest of message %d at %s exits 0" % (self.n, now), r.stderr)

    def cases(self, all_=True):
        return cmegw_json(self.conf, "cases", *(["--all"] if all_ else []))

    def case(self, ref):
        return cmegw_json(self.conf, "case", "show", ref)

    def outbox(self):
        return cmegw_json(self.conf, "outbox")

    def kinds(self, since=0):
        return [(o["kind"], o["to"]) for o in self.outbox()[since:]]

    def done(self):
        shutil.rmtree(self.work)


def deadlines(case):
    return [(d["kind"], d["due"], d["state"]) for d in case["deadlines"]]


def check_offline(t):
    for name in sorted(os.listdir(PROFILES)):
        if not name.endswith(".conf"):
            continue
        path = os.path.join(PROFILES, name)
        r = cmegw(path, "check-config", "--offline")
        t.ok(r.returncode == 0 and "configuration OK" in r.stdout,
             "%s passes check-config --offline" % name, r.stderr)
        text = open(path).read()
        addrs = re.findall(r"[\w.+-]+@([\w.-]+)", text)
        t.ok(addrs and all(re.search(r"\.(example\.(org|net)|test|invalid)$", a) for a in addrs),
             "%s names only reserved example domains" % name, addrs)


def check_bad(t):
    """A profile's procedure errors are bad input naming the file, line and key."""
    work = tempfile.mkdtemp(prefix="cmegw-badprofile-")
    base = open(os.path.join(PROFILES, "medway.conf")).read()
    shutil.copy(os.path.join(PROFILES, "medway-terms.txt"), work)
    rows = [
        ("referral_form = opened_off_roll 10 working_days", "referral_form = opened 10 workdays",
         "[deadlines] referral_form: unit 'workdays'"),
        ("referral_form = opened_off_roll 10 working_days reminder to=team",
         "referral_form = opened_off_roll 10 working_days reminder to=mayor",
         "'mayor' is not a [recipients] list"),
        ("referral_form = opened_off_roll", "referral_form = opend_off_roll",
         "trigger 'opend_off_roll' is not an event"),
        ("ME1 = E06000035", "me1 = E06000035", "[postcode_fallback] me1"),
        ("ME1 = E06000035", "ME1 = Medway", "not a nine-character ONS code"),
        ("over_age = neet", "over_age = later", "[routing] over_age: 'later'"),
        ("# Local", "closures = 2026-02-30\n# Local", "[calendar] closures: '2026-02-30'"),
        ("term_dates = medway-terms.txt", "term_dates = missing.txt", "[calendar] term_dates"),
    ]
    for old, new, want in rows:
        path = os.path.join(work, "bad.conf")
        with open(path, "w") as f:
            f.write(base.replace(old, new, 1) if old in base else base + "\n[calendar]\n" + new)
        r = cmegw(path, "check-config", "--offline")
        t.ok(r.returncode == 2 and want in r.stderr and "bad.conf" in r.stderr,
             "check-config --offline: %s" % want, r.stderr)
    path = os.path.join(work, "noterms.conf")
    with open(path, "w") as f:
        f.write(base.replace("term_dates = medway-terms.txt", ""))
    r = cmegw(path, "check-config", "--offline")
    t.ok(r.returncode == 0 and "school days are counted as working days" in r.stderr,
         "check-config says when school days have no term dates", r.stderr)
    shutil.rmtree(work)


def holidays(t):
    """The published list (gov.uk bank-holidays.json layout) agrees with the computed one;
    a one-off holiday the table lacks, or a moved one, is reported."""
    src = os.path.join(ROOT, "tests", "data", "bank-holidays-ew.json")
    r = cmegw("/nonexistent.conf", "check-holidays", src)
    t.ok(r.returncode == 0 and "agree: 24 dates" in r.stdout, "check-holidays: 2025-2027 agree",
         r.stdout + r.stderr)
    work = tempfile.mkdtemp(prefix="cmegw-holidays-")
    doc = json.load(open(src))
    ev = doc["england-and-wales"]["events"]
    ev[:] = [e for e in ev if e["date"] != "2026-05-25"]
    ev.append({"title": "A new jubilee", "date": "2027-06-04", "notes": "", "bunting": True})
    path = os.path.join(work, "bh.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    r = cmegw("/nonexistent.conf", "check-holidays", path)
    t.eq((r.returncode, r.stdout.splitlines()),
         (1, ["2026-05-25: computed, not in the published list",
              "2027-06-04: published, not computed (a new one-off holiday: add it to "
              "[calendar] closures)"]), "check-holidays reports each disagreement")
    with open(path, "w") as f:
        f.write("{}")
    t.eq(cmegw("/nonexistent.conf", "check-holidays", path).returncode, 2,
         "check-holidays of a file without the list is bad input")
    shutil.rmtree(work)


def risk_defaults(t):
    """Without a [risk] section the defaults of DOMAIN.md §8.2 apply."""
    work = tempfile.mkdtemp(prefix="cmegw-defaults-")
    conf = os.path.join(work, "cmegw.conf")
    with open(conf, "w") as f:
        f.write("[authority]\ncode = E06000035\nname = Medway Council\n"
                "address = cme@medway.example.org\n[imap]\nhost = 127.0.0.1\n"
                "user = cme@medway.example.org\npassword_file = pw\n[smtp]\n"
                "url = smtp://127.0.0.1:1\nfrom = cmegw@medway.example.org\n[storage]\n"
                "database = db/cmegw.db\nspool = spool\n[recipients]\n"
                "team = team@medway.example.org\nsafeguarding_hub = hub@medway.example.org\n")
    rows = [("Child protection plan: Yes", "immediate"), ("Child in need plan: Yes", "high"),
            ("Missing episodes: Yes", "high"), ("Young carer: Not sure", "high"),
            ("Domestic abuse: Yes", "high"), ("Child protection plan: No", "standard")]
    for i, (line, want) in enumerate(rows):
        path = os.path.join(work, "m%d.eml" % i)
        with open(path, "w") as f:
            f.write(referral("d%d@riverside.sch.test" % i, "Child%s" % chr(65 + i), "Default",
                             "0%d/01/2015" % (i + 1), "ME4 4TR", [line]))
        cmegw(conf, "ingest", path, now="2026-12-01T09:00:00Z")
    got = [(c["child"]["forename"], c["risk"]) for c in cmegw_json(conf, "cases")]
    t.eq(got, [("Child%s" % chr(65 + i), want) for i, (_, want) in enumerate(rows)],
         "default risk levels: CP immediate; CIN, missing episodes, 'not sure' young carer, "
         "domestic abuse high")
    alerts = [o for o in cmegw_json(conf, "outbox") if o["kind"] == "safeguarding_alert"]
    t.eq(len(alerts), 1, "only the immediate case alerts the hub")
    shutil.rmtree(work)


def central_bedfordshire(t):
    p = Profile(t, "central-bedfordshire")
    # 1. a referral; the postcode is not in the directory: the fallback table says CBC
    p.ingest("2026-12-01T09:00:00Z", referral("r1@riverside.sch.test", "Amelia", "Testchild",
                                              "14/03/2015", "LU7 1AA", upn="H801200001001"))
    cases = p.cases()
    t.eq([(c["ref"], c["status"], c["category"], c["risk"], c["residence_la"]) for c in cases],
         [("CME-2026-000001", "open", "potential", "standard", "E06000056")],
         "CBC: referral opens a case, residence from the postcode fallback table")
    t.eq(deadlines(cases[0]),
         [("parents_respond", "2026-12-15", "open"), ("home_visit", "2026-12-22", "open"),
          ("review_12_weeks", "2027-02-23", "open")],
         "CBC: 10 working days for the parents, a visit within 5 more, review at 12 weeks")
    t.eq(p.kinds(), [("ack_referrer", ["dsl@riverside.sch.test"]),
                     ("officer_alert", ["cme-officer@cbc.example.org"])],
         "CBC: referrer acknowledged, officer alerted")
    # 2. the parents answer: their clock stops, the visit clock runs on
    p.ingest("2026-12-03T11:00:00Z", reply("p1@home.example.net", "CME-2026-000001"))
    c = p.case("CME-2026-000001")
    t.eq(deadlines(c)[:2], [("parents_respond", "2026-12-15", "met"),
                            ("home_visit", "2026-12-22", "open")],
         "CBC: a reply stops the parents' clock and the case records why")
    t.ok(any(e["kind"] == "deadline" and "reply received" in (e["detail"] or "")
             for e in c["events"]), "CBC: the audit trail says the clock stopped on a reply")
    # 2b. the officer records the home visit: its clock stops too
    r = cmegw(p.conf, "case", "event", "CME-2026-000001", "visit", "family seen at home",
              now="2026-12-08T15:00:00Z")
    t.eq(r.returncode, 0, "CBC: case event REF visit exits 0")
    t.eq(deadlines(p.case("CME-2026-000001"))[1], ("home_visit", "2026-12-22", "met"),
         "CBC: the visit stops the home-visit clock")
    # 3. an on-roll notice with the same UPN: located, closed, the team told at once
    n = len(p.outbox())
    p.ingest("2026-12-10T09:00:00Z", joiner("j1@hilltop.sch.test", "Amelia", "Testchild",
                                            "14/03/2015", "H801200001001"))
    c = p.case("CME-2026-000001")
    t.eq((c["status"], c["outcome"], c["closed_at"]), ("closed", "on_roll", "2026-12-10T09:00:00Z"),
         "CBC: on-roll notice closes the case as located")
    t.eq([d[2] for d in deadlines(c)], ["met", "met", "stopped"],
         "CBC: closing stops the open clocks")
    t.eq(p.kinds(n), [("case_located", ["cme-officer@cbc.example.org"])],
         "CBC: case_located to the team")
    t.eq(p.cases(all_=False), [], "CBC: no open case left")
    t.ok(any(e["kind"] == "closed" and "Hilltop Academy 8234102 from 2026-12-09" in e["detail"]
             for e in c["events"]), "CBC: the register records the school and start date")
    # 4. a child below compulsory school age: recorded, referrer answered, no case
    n = len(p.outbox())
    p.ingest("2026-12-11T09:00:00Z", referral("r2@riverside.sch.test", "Tom", "Small",
                                              "01/05/2022", "LU7 1AA"))
    t.eq(len(p.cases()), 1, "CBC: under-age referral opens no case")
    t.eq([k for k, _ in p.kinds(n)], ["not_cme_notice"],
         "CBC: under-age referrer answered: not a CME case")
    r = cmegw(p.conf, "case", "show", "CME-2026-000001")
    t.ok("parents_respond due 2026-12-15 (met)" in r.stdout, "CBC: case show lists the deadlines",
         r.stdout)
    p.done()


def rhondda_cynon_taf(t):
    p = Profile(t, "rhondda-cynon-taf")
    # 1. off roll to XXXXXXX: potential case, Welsh school-day clocks on the term dates
    p.ingest("2026-12-01T09:00:00Z", leaver("l1@valley.sch.test", "Rhys", "Jones", "02/02/2016",
                                            "CF39 9AA", "Moved, destination unknown", "XXXXXXX"))
    cases = p.cases()
    t.eq([(c["category"], c["residence_la"], c["school_la"]) for c in cases],
         [("potential", "W06000016", "W06000016")],
         "RCT: unknown destination opens a potential case")
    t.eq(deadlines(cases[0]),
         [("deletion_return", "2026-12-15", "open"), ("out_of_provision", "2026-12-29", "open"),
          ("ctf_transfer", "2027-01-06", "open")],
         "RCT: 10 and 15 school days on the term dates (Christmas holiday skipped), 4 weeks")
    t.eq([k for k, _ in p.kinds()], ["officer_alert"], "RCT: the AWS officer is alerted")
    # 2. off roll to a known state school: recorded, no case, nothing sent
    n = len(p.outbox())
    p.ingest("2026-12-01T10:00:00Z", leaver("l2@valley.sch.test", "Cerys", "Evans", "03/03/2016",
                                            "CF39 9AB", "Registered at another school", "674/2002",
                                            ["Destination school: Hill Primary School"]))
    t.eq(len(p.cases()), 1, "RCT: known state-school destination opens no case")
    t.eq(p.kinds(n), [], "RCT: and sends nothing")
    # 3. a child protection plan: immediate, Children's Services alerted, 1-hour clock
    p.ingest("2026-12-02T09:00:00Z", referral("r3@riverside.sch.test", "Owain", "Price",
                                              "05/05/2014", "CF37 1AA",
                                              ["Child protection plan: Yes"]))
    c = [c for c in p.cases() if c["child"]["surname"] == "Price"][0]
    t.eq(c["risk"], "immediate", "RCT: CP plan is immediate")
    t.ok(("childrens_services", "2026-12-02T10:00:00Z", "open") in deadlines(c),
         "RCT: Children's Services clock in hours", deadlines(c))
    t.ok(("safeguarding_alert", ["childrens-services@rct.example.org"]) in p.kinds(),
         "RCT: safeguarding alert to Children's Services")
    p.done()


def harrow(t):
    p = Profile(t, "harrow")
    # 1. "not sure" on a risk question counts: young carer not sure -> high
    p.ingest("2026-12-01T09:00:00Z", referral("r1@riverside.sch.test", "Priya", "Shah",
                                              "06/06/2015", "HA1 2AA",
                                              ["Young carer: Not sure"]))
    c = p.cases()[0]
    t.eq((c["risk"], c["residence_la"]), ("high", "E09000015"),
         "HAR: a 'not sure' answer counts as the factor: high")
    t.eq(deadlines(c), [("lost_ctf", "2026-12-29", "open")], "HAR: 4-week lost CTF review")
    # 2. off roll for home education: the EHE team is told
    n = len(p.outbox())
    p.ingest("2026-12-01T10:00:00Z", leaver("e1@hill.sch.test", "Aarav", "Patel", "04/04/2016",
                                            "HA1 1AA", "Parent has chosen elective home education",
                                            None, school="310/2001"))
    t.eq(p.kinds(n), [("ehe_notice", ["ehe@harrow.example.org"])],
         "HAR: home education notice to the EHE team")
    # 3. lives in Brent (fallback district HA0): cross-border notice to Brent
    n = len(p.outbox())
    p.ingest("2026-12-01T11:00:00Z", referral("r3@riverside.sch.test", "Leo", "Brown",
                                              "07/07/2015", "HA0 1AA"))
    c = [c for c in p.cases() if c["child"]["surname"] == "Brown"][0]
    t.eq(c["residence_la"], "E09000005", "HAR: residence Brent from the fallback table")
    t.ok(("cross_border_notice", ["cme@brent.example.net"]) in p.kinds(n),
         "HAR: cross-border notice to Brent; our case stays open", p.kinds(n))
    t.ok(("home_la_confirms", "2026-12-15", "open") in deadlines(c),
         "HAR: Brent's confirmation is chased after 10 working days", deadlines(c))
    # 3b. the home LA confirms: the officer closes our case with a reason
    r = cmegw(p.conf, "case", "close", c["ref"], "moved_la", "Brent confirmed enrolment",
              now="2026-12-01T15:00:00Z")
    t.eq(r.returncode, 0, "HAR: case close REF moved_la exits 0")
    c = p.case(c["ref"])
    t.eq((c["status"], c["outcome"]), ("closed", "moved_la"), "HAR: closed with the outcome")
    t.ok(any(e["actor"] == "officer" and "Brent confirmed" in (e["detail"] or "")
             for e in c["events"]), "HAR: the officer's note is in the audit trail")
    r = cmegw(p.conf, "case", "close", c["ref"], "moved_la")
    t.eq(r.returncode, 2, "HAR: closing a closed case is bad input")
    r = cmegw(p.conf, "case", "reopen", c["ref"], "enrolment fell through",
              now="2026-12-01T16:00:00Z")
    c = p.case(c["ref"])
    t.eq((r.returncode, c["status"], c["outcome"], c["closed_at"]), (0, "open", None, None),
         "HAR: an officer can reopen it")
    r = cmegw(p.conf, "case", "close", c["ref"], "moved_la", now="2026-12-01T17:00:00Z")
    t.eq(r.returncode, 0, "HAR: and close it again")
    # 4. same surname and date of birth, other forename: a weak match is a review item
    n = len(p.outbox())
    before = len(p.cases())
    p.ingest("2026-12-02T09:00:00Z", referral("r4@riverside.sch.test", "Pria", "Shah",
                                              "06/06/2015", "HA1 2AA"))
    t.eq(len(p.cases()), before, "HAR: a weak match opens no case and merges nothing")
    t.eq([k for k, _ in p.kinds(n)], ["review_needed"], "HAR: it is a review item")
    p.done()


def derbyshire(t):
    p = Profile(t, "derbyshire")
    r = cmegw(p.conf, "import-postcodes", os.path.join(ROOT, "tests", "data", "postcodes-onspd.csv"))
    t.eq(r.returncode, 0, "DER: import-postcodes")
    # 1. a referral just before Christmas: 10 working days skip 25 and 28 Dec and 1 Jan
    p.ingest("2026-12-21T09:00:00Z", referral("r1@riverside.sch.test", "Ella", "Hughes",
                                              "08/08/2015", "DE4 3AG"))
    c = p.cases()[0]
    t.eq(c["residence_la"], "E10000007", "DER: two-tier postcode goes to the county")
    t.eq(deadlines(c), [("initial_investigation", "2027-01-07", "open")],
         "DER: initial investigation within 10 working days, across Christmas")
    # 2. an answer to our acknowledgement without the case tag: threaded through
    # In-Reply-To to the Message-ID we sent, it is a reply and stops the clock
    db = sqlite3.connect(os.path.join(p.work, "db", "cmegw.db"))
    ack = db.execute("SELECT message_id FROM outbox WHERE kind = 'ack_referrer'").fetchone()[0]
    db.close()
    p.ingest("2026-12-22T09:00:00Z", eml(
        "Ms Jane Okafor <dsl@riverside.sch.test>", "Re: your acknowledgement",
        "Tue, 22 Dec 2026 09:00:00 +0000", "r1b@riverside.sch.test",
        ["Thank you. The family have been seen at the address."],
        ["In-Reply-To: <%s>" % ack, "References: <r1@riverside.sch.test> <%s>" % ack]))
    c2 = p.case(c["ref"])
    t.ok("r1b@riverside.sch.test" in c2["messages"], "DER: the untagged answer is filed to the case",
         c2["messages"])
    t.eq(deadlines(c2), [("initial_investigation", "2027-01-07", "met")],
         "DER: the reply stops the clock")
    # 3. Derbyshire's categories (§3): missing (whereabouts unknown) and without a place
    p.ingest("2026-12-22T10:00:00Z", referral(
        "w1@riverside.sch.test", "Ella", "Gone", "10/10/2014", "DE4 3AG",
        ["Other information: Family gone with no forwarding address, whereabouts unknown"]))
    p.ingest("2026-12-22T11:00:00Z", eml(
        "Health visitor <hv@clinic.example.net>", "CME referral",
        "Tue, 22 Dec 2026 11:00:00 +0000", "w2@clinic.example.net",
        ["Child's full name: Noah Newcomer", "Date of birth: 09/09/2016",
         "Current address: 5 New Street, Matlock", "Postcode: DE4 3AG",
         "Email: hv@clinic.example.net"]))
    got = {c["child"]["surname"]: c["category"] for c in p.cases()}
    t.eq((got.get("Gone"), got.get("Newcomer")), ("missing", "without_place"),
         "DER: whereabouts unknown is missing; known address and no school is without_place")
    # 4. Noah joins a school: located, the team told, and (§7) the referrer too
    n = len(p.outbox())
    p.ingest("2027-01-11T09:00:00Z", eml(
        "Admissions <admissions@dales.sch.test>", "New pupil notification",
        "Mon, 11 Jan 2027 09:00:00 +0000", "j2@dales.sch.test",
        ["NEW PUPIL NOTIFICATION", "School name: Dales Primary School", "LAESTAB: 830/2001",
         "Legal forename: Noah", "Legal surname: Newcomer", "Date of birth: 09/09/2016",
         "Start date: 11/01/2027"]))
    t.eq(p.kinds(n), [("case_located", ["cme-lead@derbyshire.example.org"]),
                      ("case_closed_referrer", ["hv@clinic.example.net"])],
         "DER: on-roll closes the case; the referrer is told it is closed")
    # 5. an officer closes Ella's case by hand (§7): the referrer is told too,
    # once, and without the outcome; a second close is refused
    ref = [c for c in p.cases() if c["child"]["surname"] == "Hughes"][0]["ref"]
    n = len(p.outbox())
    r = cmegw(p.conf, "case", "close", ref, "moved_la", "family moved to Kent",
              now="2027-01-12T09:00:00Z")
    t.ok(r.returncode == 0, "DER: case close exits 0", r.stderr)
    t.eq(p.case(ref)["status"], "closed", "DER: the case is closed")
    t.eq(p.kinds(n), [("case_closed_referrer", ["dsl@riverside.sch.test"])],
         "DER: an officer's closure queues case_closed_referrer to the acknowledged referrer")
    t.eq([o["status"] for o in p.outbox()[n:]], ["queued"], "DER: queued for `cmegw send`")
    db = sqlite3.connect(os.path.join(p.work, "db", "cmegw.db"))
    raw = db.execute("SELECT raw FROM outbox WHERE kind = 'case_closed_referrer' AND"
                     " recipients LIKE '%riverside%'").fetchone()[0]
    db.close()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",)).get_content()
    t.ok(ref in msg["Subject"] and "enquiries are complete" in body and
         "moved_la" not in body and "Kent" not in body,
         "DER: the notice names the case, not the outcome or the note", body)
    r = cmegw(p.conf, "case", "close", ref, "moved_la", now="2027-01-12T09:05:00Z")
    t.ok(r.returncode == 2 and "not an open case" in r.stderr,
         "DER: closing it again is refused", r.stderr)
    t.eq(len(p.outbox()), n + 1, "DER: and queues nothing more")
    p.done()


def medway(t):
    p = Profile(t, "medway")
    # 1. a child in need plan is immediate in Medway: the social worker is alerted
    p.ingest("2026-12-01T09:00:00Z", referral("r1@riverside.sch.test", "Amelia", "Testchild",
                                              "14/03/2015", "ME4 4TR",
                                              ["Child in need plan: Yes"]))
    c = p.cases()[0]
    t.eq((c["risk"], c["residence_la"]), ("immediate", "E06000035"), "MED: CIN is immediate")
    t.ok(("safeguarding_alert", ["first-response@medway.example.org",
                                 "duty-social-worker@medway.example.org"]) in p.kinds(),
         "MED: the social worker is alerted immediately", p.kinds())
    t.ok(("untraced_police", "2027-01-13", "open") in deadlines(c),
         "MED: police notice clock at 20 school days (holiday skipped)", deadlines(c))
    # 2. over compulsory school age: passed to the NEET team, no case
    n = len(p.outbox())
    p.ingest("2026-12-01T10:00:00Z", referral("r2@riverside.sch.test", "Sam", "Older",
                                              "01/10/2009", "ME4 4TR"))
    t.eq(len(p.cases()), 1, "MED: over-age referral opens no case")
    t.eq([k for k, _ in p.kinds(n)], ["neet_notice", "not_cme_notice"],
         "MED: NEET team told, referrer answered")
    t.eq(p.outbox()[n]["to"], ["iag@medway.example.org"], "MED: to the IAG team")
    # 3. off roll, destination unknown: referral form 10 working days, 20 school days
    p.ingest("2026-12-02T09:00:00Z", leaver("l1@valley.sch.test", "Maja", "Kowalska",
                                            "22/06/2016", "ME4 4TR", "Moved, destination unknown",
                                            "XXXXXXX", school="887/2345"))
    c = [c for c in p.cases() if c["child"]["surname"] == "Kowalska"][0]
    t.eq(deadlines(c), [("referral_form", "2026-12-16", "open"),
                        ("removal_review", "2027-01-14", "open"),
                        ("untraced_police", "2027-01-14", "open")],
         "MED: 10 working days, 20 school days on the term dates")
    # 4. a brother named with his sister's case: the two cases are linked
    first = p.cases()[0]["ref"]
    p.ingest("2026-12-03T09:00:00Z", referral("r4@riverside.sch.test", "Oliver", "Testchild",
                                              "02/02/2017", "ME4 4TR",
                                              ["Siblings: Amelia Testchild (14/03/2015)"]))
    c = [c for c in p.cases() if c["child"]["forename"] == "Oliver"][0]
    t.ok(any(e["kind"] == "sibling" and first in e["detail"] for e in p.case(c["ref"])["events"]),
         "MED: the new case names the sibling's case")
    t.ok(any(e["kind"] == "sibling" and c["ref"] in e["detail"]
             for e in p.case(first)["events"]), "MED: and the sibling's case names the new one")
    p.done()


def main(t):
    check_offline(t)
    check_bad(t)
    risk_defaults(t)
    holidays(t)
    central_bedfordshire(t)
    rhondda_cynon_taf(t)
    harrow(t)
    derbyshire(t)
    medway(t)


run(main)
