#!/usr/bin/env python3
# 35-multi-pupil.t - a referral whose CSV attachment names three children
# reaches the CME mailbox through the real Postfix and Dovecot; `cmegw poll`
# opens a case for each child, each case lists the message, the referrer is
# acknowledged once for the message, the team alerted once per case; polling
# again, and the same message mailed again, change nothing.
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cmegwtest import CME, TEAM, Servers, cmegw, cmegw_json, run, write_config

SENDER = "dsl@school.example.net"
MSGID = "siblings-0402@school.example.net"
CHILDREN = [  # forename, surname, dob, upn (valid check letters, DOMAIN.md section 4)
    ("Rosa", "Examplefield", "2015-09-14", "N887250012001"),
    ("Theo", "Examplefield", "2017-11-02", "C887250012002"),
    ("Milo", "Examplefield", "2013-04-30", "R887250012003"),
]
MESSAGE = """From: Brookside DSL <{sender}>
To: {cme}
Subject: CME referral: three siblings not attending
Date: Thu, 02 Apr 2026 10:20:00 +0100
Message-ID: <{msgid}>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="sib3"

--sib3
Content-Type: text/plain; charset="utf-8"

Please treat this as a children missing education referral for the three
siblings in the attached export. The family have not been seen since the
end of term and the house appears empty.

Brookside Primary School, designated safeguarding lead

--sib3
Content-Type: text/csv; name="Referral.csv"
Content-Disposition: attachment; filename="Referral.csv"

UPN,Legal Surname,Legal Forename,DOB,Gender,Address,Postcode,Last School
{rows}
,,,,,,,
--sib3--
"""


def message_text():
    rows = "\n".join('%s,%s,%s,%s,%s,"3 Sample Lane, Chatham",ME4 4TR,Brookside Primary School'
                     % (upn, sur, fore, "/".join(reversed(dob.split("-"))), "F" if i == 0 else "M")
                     for i, (fore, sur, dob, upn) in enumerate(CHILDREN))
    return MESSAGE.format(sender=SENDER, cme=CME, msgid=MSGID, rows=rows)


def main(t):
    work = tempfile.mkdtemp(prefix="cmegw-multi-")
    path = os.path.join(work, "referral.eml")
    with open(path, "w") as f:
        f.write(message_text())
    with Servers() as s:
        conf = write_config(s, work)
        r = cmegw(conf, "import-postcodes")
        t.eq(r.returncode, 0, "import-postcodes loads the NSPL sample: " + r.stderr.strip())

        parsed = cmegw_json(conf, "parse", path)
        t.eq(len(parsed.get("more_pupils", [])), 2, "parse: the CSV's three pupils are 1 + 2 records")

        s.send(SENDER, CME, path)
        t.eq(len(s.mailbox(CME, wait=20, count=1)), 1, "the referral reached the CME inbox")

        r = cmegw(conf, "poll")
        t.eq(r.returncode, 0, "poll exits 0")
        t.diag(r.stderr)
        t.ok(not any(name in r.stderr for c in CHILDREN for name in c[:2]),
             "poll's log names no child", r.stderr)

        cases = cmegw_json(conf, "cases")
        t.eq(len(cases), 3, "three pupils opened three cases")
        got = sorted((c["child"]["forename"], c["child"]["surname"], c["child"]["dob"],
                      c["child"]["upn"]) for c in cases)
        t.eq(got, sorted(CHILDREN), "the cases are the three children, each as the CSV gives them")
        t.eq(len({c["ref"] for c in cases}), 3, "each case has its own reference")
        for c in cases:
            t.eq(c.get("messages"), [MSGID], "case %s lists the message" % c["ref"])
            shown = cmegw_json(conf, "case", "show", c["ref"])
            t.eq(shown.get("messages"), [MSGID], "case show %s lists the message" % c["ref"])
            t.ok(any(e["kind"] == "opened" and e.get("message_id") == MSGID
                     for e in shown.get("events", [])),
                 "case %s was opened by the message" % c["ref"])

        outbox = cmegw_json(conf, "outbox")
        kinds = sorted(o["kind"] for o in outbox)
        t.eq(kinds.count("ack_referrer"), 1, "the referrer is acknowledged once for the message")
        t.eq(kinds.count("officer_alert"), 3, "the team is alerted once per case")
        t.eq(sorted(o["case_ref"] for o in outbox if o["kind"] == "officer_alert"),
             sorted(c["ref"] for c in cases), "each officer alert is about its own case")
        t.ok(all(o["status"] == "sent" for o in outbox), "every notification was sent",
             [(o["kind"], o["status"]) for o in outbox])
        acks = s.mailbox(SENDER, wait=20, count=1)
        t.eq(len(acks), 1, "the referrer's mailbox holds one acknowledgement")
        team = s.mailbox(TEAM, wait=20, count=3)
        t.eq(len(team), 3, "the team's mailbox holds three alerts")
        t.eq(len(s.mailbox(CME, "CME/Processed")), 1, "the message is in the processed folder")

        # Again: a second poll, and the same message mailed again.
        before = (cases, outbox)
        r = cmegw(conf, "poll")
        t.eq(r.returncode, 0, "second poll exits 0")
        t.eq((cmegw_json(conf, "cases"), cmegw_json(conf, "outbox")), before,
             "second poll: register and outbox unchanged")
        s.send(SENDER, CME, path)
        s.mailbox(CME, wait=20, count=1)
        r = cmegw(conf, "poll")
        t.eq(r.returncode, 0, "poll of the repeated message exits 0")
        t.eq((cmegw_json(conf, "cases"), cmegw_json(conf, "outbox")), before,
             "the repeated message opens no case and queues nothing")
        t.eq(len(s.mailbox(CME)), 0, "the repeated message left INBOX too")
        t.eq(len(s.mailbox(SENDER)), 1, "and the referrer still has one acknowledgement")


run(main)
