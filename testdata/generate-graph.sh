#!/usr/bin/env bash
# Builds the association-graph test data: testdata/graph/ — mail among six fictional people
# (mail/*.eml, one mbox archive), a call-data-record CSV and ANPR camera sightings — and
# images/graph-disk.img.gz, a FAT12 floppy image (mkfs.fat, mtools) holding them plus one more
# .eml (graph-deleted/mail/old-plans.eml) that was copied and then deleted (mdel), so that it
# is found as a deleted, recoverable file. Ground truth in truth/graph/:
#   messages.tsv     every message in the image: path, format, offset, length, from, to, cc,
#                    bcc, date (UTC), subject, deleted
#   communicates.tsv from, to (lower-cased), count: one per recipient (To, Cc, Bcc) per message
#   calls.tsv        caller, callee (E.164), count
#   colocated.tsv    plate_a, plate_b, count: sightings of both at one camera within 120 s
# The truths are written out by hand below and checked against the generated sources by
# independent code in this script (not by peel), which fails if they disagree.
# People, addresses (example.org/.net/.com) and numbers (Ofcom's drama range 07700 900xxx) are
# fictional; the wallet and IBAN are the usual published test values.
# Deterministic: fixed contents, fixed file times (mcopy -m), SOURCE_DATE_EPOCH for mtools'
# own times (mmd), mkfs.fat --invariant with a fixed volume ID, gzip -n.
# Run: bash testdata/generate-graph.sh
set -euo pipefail
for t in mkfs.fat mcopy mdel mmd python3 gzip; do
    command -v "$t" >/dev/null 2>&1 || { echo "needs $t (dosfstools, mtools, python3, gzip)" >&2; exit 2; }
done
export TZ=UTC LC_ALL=C.UTF-8 LANG=C.UTF-8
export MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null
# 2024-03-20 12:00:00 UTC: the time mtools writes where it writes "now".
export SOURCE_DATE_EPOCH=1710936000
umask 022
TD=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$TD/graph
DEL=$TD/graph-deleted
TRUTH=$TD/truth/graph
rm -rf "$SRC" "$DEL" "$TRUTH"
mkdir -p "$SRC/mail" "$DEL/mail" "$TRUTH"

python3 - "$SRC" "$DEL" "$TRUTH" <<'PY'
import base64, collections, datetime, email.utils, os, sys
src, dele, truth = sys.argv[1:4]

def write(path, data):
    with open(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)

def eml(headers, body, eol="\r\n"):
    """A message: header lines (already folded where wanted), a blank line, the body."""
    return eol.join(headers) + eol + eol + body.replace("\n", eol)

SIG = {
    "alice": "Alice Archer\nLogistics, Example Org\nmob +44 7700 900101\n",
    "bob": "-- \nBob Baker\n+44 7700 900202\n",
    "carol": "Carol Cole | 07700 900303\n",
    "dave": "Dave Dunn\ncall: +44 7700 900404\n",
    "erin": "Érin\n07700 900505\n",
    "frank": "F. Fisher, +44 7700 900606\n",
}

M = {}  # image path -> bytes
M["mail/01-alice-to-bob.eml"] = eml([
    "Return-Path: <alice@example.org>",
    "Received: from laptop.example.org (laptop.example.org [192.0.2.10])",
    "\tby mx.example.net; Mon, 04 Mar 2024 09:15:02 +0000",
    "From: Alice Archer <alice@example.org>",
    "To: Bob Baker <bob@example.net>",
    "Cc: \"Cole, Carol\" <carol@example.org>",
    "Date: Mon, 04 Mar 2024 09:15:00 +0000",
    "Subject: Friday delivery",
    "Message-ID: <20240304091500.1001@example.org>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
], "Bob,\n\nThe van leaves the depot at 06:00 on Friday. Carol has the keys.\n\n" + SIG["alice"])
M["mail/02-bob-reply.eml"] = eml([
    "From: bob@example.net",
    "To: Alice Archer <alice@example.org>",
    "Cc: carol@example.org",
    "Date: Mon, 4 Mar 2024 06:30:00 -0500",
    "Subject: Re: Friday delivery",
    "Message-ID: <r2-4471@mail.example.net>",
    "In-Reply-To: <20240304091500.1001@example.org>",
    "References: <20240304091500.1001@example.org>",
], "Fine. Same wallet as last time: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n\n" + SIG["bob"])
M["mail/03-carol-to-dave.eml"] = eml([
    "From: \"Carol Cole\" <carol@example.org>",
    "To: Dave Dunn <dave@example.com>,",
    "   =?UTF-8?B?w4lyaW4gRWFzdHdvb2Q=?= <erin@example.net>",
    "Date: Tue, 05 Mar 2024 14:20:00 +0000",
    "Subject: Invoice",
    "Message-ID: <c3.0305@example.org>",
], "Pay the usual account, IBAN GB82 WEST 1234 5698 7654 32, ref FRIDAY.\n\n" + SIG["carol"])
M["mail/04-erin-to-frank.eml"] = eml([
    "From: =?UTF-8?B?w4lyaW4gRWFzdHdvb2Q=?= <erin@example.net>",
    "To: Frank Fisher <frank@example.org>",
    "Date: Wed, 06 Mar 2024 18:45:00 GMT",
    "Subject: =?UTF-8?Q?Caf=C3=A9_meeting?=",
    "Message-ID: <e4@example.net>",
], "Frank, the café on the corner, 7pm. Bring the phone.\n\n" + SIG["erin"])
boundary = "=-=-=attach-0507"
note = ("Delivery schedule\n"
        "Friday 06:00 depot, 08:30 drop, 10:00 return.\n"
        "Payment to DE89 3704 0044 0532 0130 00 on arrival.\n"
        "Driver: +44 7700 900404\n")
M["mail/05-frank-with-attachment.eml"] = eml([
    "From: Frank Fisher <frank@example.org>",
    "To: alice@example.org, Bob@Example.NET",
    "Cc: (the driver) dave@example.com",
    "Date: Thu, 7 Mar 2024 08:00:00 EST",
    "Subject: Schedule attached",
    "Message-ID: <f5.attach@example.org>",
    "MIME-Version: 1.0",
    f"Content-Type: multipart/mixed; boundary=\"{boundary}\"",
], f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\nSee attached.\n\n{SIG['frank']}\n"
   f"--{boundary}\nContent-Type: text/plain; name=\"schedule.txt\"\n"
   f"Content-Disposition: attachment; filename=\"schedule.txt\"\nContent-Transfer-Encoding: base64\n\n"
   + base64.encodebytes(note.encode()).decode() + f"--{boundary}--\n")
forwarded = eml([
    "From: Alice Archer <alice@example.org>",
    "To: Bob Baker <bob@example.net>",
    "Date: Mon, 04 Mar 2024 09:15:00 +0000",
    "Subject: Friday delivery",
], "The van leaves the depot at 06:00 on Friday.\n", eol="\n")
M["mail/06-dave-forward.eml"] = eml([
    "From: Dave Dunn <dave@example.com>",
    "To: Bob Baker <bob@example.net>",
    "Date: Fri, 08 Mar 2024 07:05:30 +0100",
    "Subject: Fwd: Friday delivery",
    "Message-ID: <d6.fwd@example.com>",
    "MIME-Version: 1.0",
    "Content-Type: multipart/mixed; boundary=\"fwd-0608\"",
], "--fwd-0608\nContent-Type: text/plain\n\nIs this still on? Ring me, +44 7700 900404.\n\n"
   "--fwd-0608\nContent-Type: message/rfc822\n\n" + forwarded + "\n--fwd-0608--\n")
M["mail/07-bob-undisclosed.eml"] = eml([
    "From: Bob Baker <bob@example.net>",
    "To: undisclosed-recipients:;",
    "Bcc: carol@example.org, erin@example.net",
    "Date: Sat, 9 Mar 24 21:10:00 +0000",
    "Subject: change of plan",
    "Message-ID: <b7@mail.example.net>",
], "Moved to Saturday. Same place. Send to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq\n\n" + SIG["bob"])
M["mail/08-alice-group.eml"] = eml([
    "From: Alice Archer <alice@example.org>",
    "Reply-To: alice.archer@example.com",
    "To: Project team: bob@example.net, Dave Dunn <dave@example.com>;",
    "Cc: frank@example.org",
    "Date: Mon, 11 Mar 2024 12:00:00 +0000 (UTC)",
    "Subject: Wrap-up",
    "Message-ID: <a8.wrap@example.org>",
], "Thanks all. Delete this thread.\n\n" + SIG["alice"])

# The mbox: LF line ends, a separator line before each message, a blank line after each.
mbox_msgs = [
    ("From carol@example.org Tue Mar 12 07:30:00 2024", eml([
        "From: Carol Cole <carol@example.org>",
        "To: Frank Fisher <frank@example.org>",
        "Date: Tue, 12 Mar 2024 07:30:00 +0000",
        "Subject: keys",
        "Message-ID: <mb1@example.org>",
    ], "Keys are under the mat.\n\n" + SIG["carol"], eol="\n")),
    ("From frank@example.org Tue Mar 12 08:10:00 2024", eml([
        "From: frank@example.org",
        "To: carol@example.org",
        "Cc: Érin Eastwood <erin@example.net>",
        "Date: Tue, 12 Mar 2024 08:10:00 +0000",
        "Subject: Re: keys",
        "In-Reply-To: <mb1@example.org>",
    ], "Got them.\n>From the depot I go straight to the drop.\n\n" + SIG["frank"], eol="\n")),
    ("From dave@example.com Wed Mar 13 19:00:00 2024", eml([
        "From: Dave Dunn <dave@example.com>",
        "To: alice@example.org",
        "Date: Wed, 13 Mar 2024 20:00:00 +0100",
        "Subject: paid",
    ], "Paid GB66 KVTF 5908 1203 6309 42 today.\n\n" + SIG["dave"], eol="\n")),
    ("From erin@example.net Thu Mar 14 09:00:00 2024", eml([
        "From: erin@example.net",
        "To: bob@example.net",
        "Date: sometime on Thursday",
        "Subject: new number",
    ], "From now on use 07700 900505 only.\n", eol="\n")),
]
mbox = ""
mbox_rows = []  # (offset, length) of each message, recorded while the archive is built
for sep, msg in mbox_msgs:
    mbox += sep + "\n"
    mbox_rows.append((len(mbox.encode()), len(msg.encode())))
    mbox += msg + "\n"
M["mail/archive.mbox"] = mbox

DELETED = {"mail/old-plans.eml": eml([
    "From: Dave Dunn <dave@example.com>",
    "To: frank@example.org",
    "Cc: erin@example.net",
    "Date: Fri, 01 Mar 2024 23:55:00 +0000",
    "Subject: burn after reading",
    "Message-ID: <d0.old@example.com>",
], "Use the other phone from now on.\n\n" + SIG["dave"])}

for rel, data in M.items():
    write(os.path.join(src, rel), data)
for rel, data in DELETED.items():
    write(os.path.join(dele, rel), data)

# Calls: caller, callee, start, duration_s, type. Numbers as operators export them: mostly
# E.164, a few in national form.
N = {
    "alice": "+447700900101", "bob": "+447700900202", "carol": "+447700900303",
    "dave": "+447700900404", "erin": "+447700900505", "frank": "+447700900606",
}
calls = [
    ("alice", "bob", "2024-03-04T09:30:00Z", 125, "voice"),
    ("bob", "alice", "2024-03-04T11:40:10Z", 42, "voice"),
    ("alice", "bob", "2024-03-05T08:02:00Z", 310, "voice"),
    ("carol", "dave", "2024-03-05T14:30:00Z", 61, "voice"),
    ("dave", "carol", "2024-03-05T14:35:00Z", 0, "sms"),
    ("erin", "frank", "2024-03-06T17:00:00Z", 95, "voice"),
    ("frank", "erin", "2024-03-06T19:55:00Z", 0, "sms"),
    ("frank", "alice", "2024-03-07T13:05:00Z", 240, "voice"),
    ("dave", "bob", "2024-03-08T06:10:00Z", 33, "voice"),
    ("dave", "bob", "2024-03-08T06:12:30Z", 0, "sms"),
    ("bob", "carol", "2024-03-09T21:15:00Z", 18, "voice"),
    ("bob", "erin", "2024-03-09T21:16:00Z", 0, "sms"),
    ("alice", "dave", "2024-03-11T12:30:00Z", 77, "voice"),
    ("alice", "frank", "2024-03-11T12:35:00Z", 12, "voice"),
    ("carol", "frank", "2024-03-12T07:25:00Z", 0, "sms"),
    ("frank", "carol", "2024-03-12T08:05:00Z", 150, "voice"),
    ("dave", "alice", "2024-03-13T19:05:00Z", 64, "voice"),
    ("erin", "bob", "2024-03-14T09:02:00Z", 0, "sms"),
    ("erin", "bob", "2024-03-14T09:03:00Z", 201, "voice"),
    ("alice", "bob", "2024-03-15T05:50:00Z", 45, "voice"),
]
def as_written(who, i):
    n = N[who]
    return "0" + n[3:7] + " " + n[7:] if i % 5 == 3 else n   # every fifth row: national form
lines = ["caller,callee,start,duration_s,type"]
for i, (a, b, t, d, ty) in enumerate(calls):
    lines.append(f"{as_written(a, i)},{as_written(b, i + 1)},{t},{d},{ty}")
write(os.path.join(src, "calls.csv"), "\n".join(lines) + "\n")

# ANPR: AB12CDE and XY34ZZZ travel together (three times at one camera within 2 minutes);
# LM56NOP passes CAM-B2 once near them but 5 minutes later; QR78STU is elsewhere.
CAMS = {"CAM-A1": (51.50710, -0.12760), "CAM-B2": (51.51280, -0.09180), "CAM-C3": (51.52010, -0.10450)}
anpr = [
    ("AB12CDE", "CAM-A1", "2024-03-08T05:58:10Z"),
    ("XY34ZZZ", "CAM-A1", "2024-03-08T05:59:05Z"),
    ("AB12CDE", "CAM-B2", "2024-03-08T06:20:00Z"),
    ("XY34ZZZ", "CAM-B2", "2024-03-08T06:21:40Z"),
    ("LM56NOP", "CAM-B2", "2024-03-08T06:26:40Z"),
    ("QR78STU", "CAM-C3", "2024-03-08T06:30:00Z"),
    ("AB12CDE", "CAM-C3", "2024-03-08T08:31:00Z"),
    ("XY34ZZZ", "CAM-C3", "2024-03-08T08:32:30Z"),
    ("LM56NOP", "CAM-A1", "2024-03-09T10:00:00Z"),
    ("QR78STU", "CAM-A1", "2024-03-09T10:15:00Z"),
    ("XY34ZZZ", "CAM-A1", "2024-03-10T16:00:00Z"),
    ("AB12CDE", "CAM-A1", "2024-03-10T16:10:00Z"),
]
lines = ["plate,camera,lat,lon,time"]
for p, c, t in anpr:
    lat, lon = CAMS[c]
    lines.append(f"{p},{c},{lat:.5f},{lon:.5f},{t}")
write(os.path.join(src, "anpr.csv"), "\n".join(lines) + "\n")

# ---- Ground truth, written out by hand ----
# Every message: path, format, offset, length, from, to, cc, bcc, date (UTC), subject,
# deleted. Addresses `Name <address>` or `address`, as written (case kept), `; ` between them;
# `-` for none. Offsets and lengths are filled in from the bytes written (eml: 0 and the file
# size; mbox: recorded while the archive was built, checked again below).
MSG = [
    ("mail/01-alice-to-bob.eml", "Alice Archer <alice@example.org>", "Bob Baker <bob@example.net>", "Cole, Carol <carol@example.org>", "-", "2024-03-04T09:15:00Z", "Friday delivery"),
    ("mail/02-bob-reply.eml", "bob@example.net", "Alice Archer <alice@example.org>", "carol@example.org", "-", "2024-03-04T11:30:00Z", "Re: Friday delivery"),
    ("mail/03-carol-to-dave.eml", "Carol Cole <carol@example.org>", "Dave Dunn <dave@example.com>; Érin Eastwood <erin@example.net>", "-", "-", "2024-03-05T14:20:00Z", "Invoice"),
    ("mail/04-erin-to-frank.eml", "Érin Eastwood <erin@example.net>", "Frank Fisher <frank@example.org>", "-", "-", "2024-03-06T18:45:00Z", "Café meeting"),
    ("mail/05-frank-with-attachment.eml", "Frank Fisher <frank@example.org>", "alice@example.org; Bob@Example.NET", "the driver <dave@example.com>", "-", "2024-03-07T13:00:00Z", "Schedule attached"),
    ("mail/06-dave-forward.eml", "Dave Dunn <dave@example.com>", "Bob Baker <bob@example.net>", "-", "-", "2024-03-08T06:05:30Z", "Fwd: Friday delivery"),
    ("mail/07-bob-undisclosed.eml", "Bob Baker <bob@example.net>", "-", "-", "carol@example.org; erin@example.net", "2024-03-09T21:10:00Z", "change of plan"),
    ("mail/08-alice-group.eml", "Alice Archer <alice@example.org>", "bob@example.net; Dave Dunn <dave@example.com>", "frank@example.org", "-", "2024-03-11T12:00:00Z", "Wrap-up"),
    ("mail/archive.mbox#0", "Carol Cole <carol@example.org>", "Frank Fisher <frank@example.org>", "-", "-", "2024-03-12T07:30:00Z", "keys"),
    ("mail/archive.mbox#1", "frank@example.org", "carol@example.org", "Érin Eastwood <erin@example.net>", "-", "2024-03-12T08:10:00Z", "Re: keys"),
    ("mail/archive.mbox#2", "Dave Dunn <dave@example.com>", "alice@example.org", "-", "-", "2024-03-13T19:00:00Z", "paid"),
    ("mail/archive.mbox#3", "erin@example.net", "bob@example.net", "-", "-", "-", "new number"),
    ("mail/old-plans.eml", "Dave Dunn <dave@example.com>", "frank@example.org", "erin@example.net", "-", "2024-03-01T23:55:00Z", "burn after reading"),
]
rows = []
for key, frm, to, cc, bcc, date, subject in MSG:
    path, _, idx = key.partition("#")
    if idx:
        off, length = mbox_rows[int(idx)]
        fmt = "mbox"
    else:
        data = M.get(path) or DELETED[path]
        off, length, fmt = 0, len(data.encode()), "eml"
    rows.append((path, fmt, off, length, frm, to, cc, bcc, date, subject, "true" if path in DELETED else "false"))
with open(os.path.join(truth, "messages.tsv"), "w") as f:
    f.write("path\tformat\toffset\tlength\tfrom\tto\tcc\tbcc\tdate\tsubject\tdeleted\n")
    for r in sorted(rows):
        f.write("\t".join(str(c) for c in r) + "\n")

# Who wrote to whom, one count per recipient per message, lower-cased — counted by hand from
# the table above: alice→bob 2 (01, 08), alice→carol 1, alice→dave 1, alice→frank 1,
# bob→alice 1, bob→carol 2 (02, 07), bob→erin 1, carol→dave 1, carol→erin 1, carol→frank 1,
# dave→alice 1, dave→bob 1, dave→erin 1, dave→frank 1 (old-plans), erin→bob 1, erin→frank 1,
# frank→alice 1, frank→bob 1, frank→carol 1, frank→dave 1, frank→erin 1.
COMM = {
    ("alice@example.org", "bob@example.net"): 2, ("alice@example.org", "carol@example.org"): 1,
    ("alice@example.org", "dave@example.com"): 1, ("alice@example.org", "frank@example.org"): 1,
    ("bob@example.net", "alice@example.org"): 1, ("bob@example.net", "carol@example.org"): 2,
    ("bob@example.net", "erin@example.net"): 1, ("carol@example.org", "dave@example.com"): 1,
    ("carol@example.org", "erin@example.net"): 1, ("carol@example.org", "frank@example.org"): 1,
    ("dave@example.com", "alice@example.org"): 1, ("dave@example.com", "bob@example.net"): 1,
    ("dave@example.com", "erin@example.net"): 1, ("dave@example.com", "frank@example.org"): 1,
    ("erin@example.net", "bob@example.net"): 1, ("erin@example.net", "frank@example.org"): 1,
    ("frank@example.org", "alice@example.org"): 1, ("frank@example.org", "bob@example.net"): 1,
    ("frank@example.org", "carol@example.org"): 1, ("frank@example.org", "dave@example.com"): 1,
    ("frank@example.org", "erin@example.net"): 1,
}
# Calls by (caller, callee), counted by hand from the list above.
CALLS = {
    ("alice", "bob"): 3, ("alice", "dave"): 1, ("alice", "frank"): 1, ("bob", "alice"): 1,
    ("bob", "carol"): 1, ("bob", "erin"): 1, ("carol", "dave"): 1, ("carol", "frank"): 1,
    ("dave", "alice"): 1, ("dave", "bob"): 2, ("dave", "carol"): 1, ("erin", "bob"): 2,
    ("erin", "frank"): 1, ("frank", "alice"): 1, ("frank", "carol"): 1, ("frank", "erin"): 1,
}
# Co-located pairs (120 s window, same camera): AB12CDE/XY34ZZZ at CAM-A1 (55 s), CAM-B2
# (100 s), CAM-C3 (90 s); their CAM-A1 sightings on 10 March are 600 s apart, LM56NOP's CAM-B2
# sighting is 300 s after XY34ZZZ's, so neither counts.
COLOC = {("AB12CDE", "XY34ZZZ"): 3}

# ---- Independent checks of the hand-written truth ----
def addrs(field):
    if field == "-":
        return []
    return [a.rsplit("<", 1)[-1].rstrip(">") for a in field.split("; ")]
got = collections.Counter()
for _, _, _, _, frm, to, cc, bcc, _, _, _ in rows:
    for r in addrs(to) + addrs(cc) + addrs(bcc):
        got[(addrs(frm)[0].lower(), r.lower())] += 1
assert dict(got) == COMM, (dict(got), COMM)
# The truth's addresses, dates and subjects against the generated headers, parsed here with
# Python's email package (a second reader).
import email, email.policy
def parsed(data):
    m = email.message_from_bytes(data.encode(), policy=email.policy.default)
    def lst(h):
        v = m.get_all(h) or []
        out = []
        for x in v:
            for g in x.groups:
                for a in g.addresses:
                    out.append(a.addr_spec)
        return out
    d = m["Date"]
    try:
        dt = email.utils.parsedate_to_datetime(str(d)).astimezone(datetime.timezone.utc)
        ds = dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        ds = "-"
    return lst("From"), lst("To"), lst("Cc"), lst("Bcc"), ds, str(m["Subject"])
mbox_bytes = mbox.encode()
for (path, fmt, off, length, frm, to, cc, bcc, date, subject, _) in rows:
    if fmt == "mbox":
        data = mbox_bytes[off:off + length].decode()
        assert data in [m for _, m in mbox_msgs], (path, off)
    else:
        data = M.get(path) or DELETED[path]
    pf, pt, pc, pb, pd, ps = parsed(data)
    assert [pf, pt, pc, pb] == [addrs(frm), addrs(to), addrs(cc), addrs(bcc)], (path, pf, pt, pc, pb)
    assert (pd, ps) == (date, subject), (path, pd, ps, date, subject)
calls_got = collections.Counter((a, b) for a, b, *_ in calls)
assert dict(calls_got) == CALLS, dict(calls_got)
def secs(t):
    return datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()
co = collections.Counter()
for i, (p1, c1, t1) in enumerate(anpr):
    for p2, c2, t2 in anpr[i + 1:]:
        if p1 != p2 and c1 == c2 and abs(secs(t1) - secs(t2)) <= 120:
            co[tuple(sorted((p1, p2)))] += 1
assert dict(co) == COLOC, dict(co)

with open(os.path.join(truth, "communicates.tsv"), "w") as f:
    f.write("from\tto\tcount\n")
    for (a, b), n in sorted(COMM.items()):
        f.write(f"{a}\t{b}\t{n}\n")
with open(os.path.join(truth, "calls.tsv"), "w") as f:
    f.write("caller\tcallee\tcount\n")
    for (a, b), n in sorted(CALLS.items(), key=lambda kv: (N[kv[0][0]], N[kv[0][1]])):
        f.write(f"{N[a]}\t{N[b]}\t{n}\n")
with open(os.path.join(truth, "colocated.tsv"), "w") as f:
    f.write("plate_a\tplate_b\tcount\n")
    for (a, b), n in sorted(COLOC.items()):
        f.write(f"{a}\t{b}\t{n}\n")
PY

# Fixed file times (FAT keeps local time; TZ=UTC): messages at 2024-03-15 10:00:00 + n minutes.
n=0
while read -r f; do
    touch -d "@$((1710496800 + 60 * n))" "$f"
    n=$((n + 1))
done < <(cd "$SRC" && find . -type f | sort | sed "s|^\./|$SRC/|")
touch -d "@1710064800" "$DEL/mail/old-plans.eml"   # 2024-03-10 10:00:00

mkdir -p "$TD/build"
img=$TD/build/graph-disk.img
rm -f "$img"
mkfs.fat -C -F 12 -n GRAPHVOL --invariant -i 67726170 "$img" 1440 >/dev/null
mmd -i "$img" ::/mail
( cd "$SRC" && find . -type f | sort | sed 's|^\./||' | while read -r f; do mcopy -m -i "$img" "$f" "::/$f"; done )
# The deleted message: copied last and deleted, nothing written after it, so its clusters stay
# free and its content recoverable.
mcopy -m -i "$img" "$DEL/mail/old-plans.eml" ::/mail/old-plans.eml
mdel -i "$img" ::/mail/old-plans.eml
mkdir -p "$TD/images"
gzip -n -9 -c "$img" > "$TD/images/graph-disk.img.gz"
sha256sum "$img" | sed "s|  .*|  graph-disk.img|" > "$TRUTH/graph-disk.sha256"
rm -f "$img"
echo "wrote $SRC, $DEL, $TRUTH and images/graph-disk.img.gz"
