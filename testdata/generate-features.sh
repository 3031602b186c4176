#!/usr/bin/env bash
# Builds testdata/features/ — files with features planted at known offsets, in ASCII and
# UTF-16LE, and near-misses that must not be reported — and the ground truth
# testdata/truth/features/expected.tsv (path, offset, kind, normalized, encoding).
# Also a JPEG with EXIF (camera, time taken, GPS), made with ImageMagick and exiftool, whose
# values exiftool reports are the ground truth. Deterministic: fixed contents, fixed mtimes.
# Run: bash testdata/generate-features.sh
set -euo pipefail
need=()
[ -x /usr/bin/convert ] || need+=(imagemagick)
command -v exiftool >/dev/null 2>&1 || need+=(libimage-exiftool-perl)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "install these Debian packages first: ${need[*]}" >&2
        exit 2
    fi
fi
TD=$(cd "$(dirname "$0")" && pwd)
OUT=$TD/features
TRUTH=$TD/truth/features
rm -rf "$OUT" "$TRUTH"
mkdir -p "$OUT/mail" "$TRUTH"
python3 - "$OUT" "$TRUTH/expected.tsv" <<'PY'
import base64, gzip, io, os, sys, zipfile
out, truth = sys.argv[1], sys.argv[2]
rows = []

def build(path, parts, encoding="ascii", layers="-"):
    """parts: list of str (filler) or (kind, normalized, text) tuples (planted features).
    Returns the bytes; records the planted features for `path` under `layers`."""
    data = bytearray()
    for p in parts:
        if isinstance(p, tuple):
            kind, norm, text = p
            rows.append((path, layers, len(data), kind, norm, encoding))
            data += text.encode("utf-16-le" if encoding == "utf16le" else "ascii")
        else:
            data += p.encode("utf-16-le" if encoding == "utf16le" else "ascii")
    return bytes(data)

def plant(path, parts, encoding="ascii"):
    with open(os.path.join(out, path), "wb") as f:
        f.write(build(path, parts, encoding))

def zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 3, 15, 10, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()

plant("mail/message.txt", [
    "From: ", ("email", "alice.smith@example.org", "Alice.Smith@Example.ORG"), "\n",
    "To: ", ("email", "bob@example.net", "bob@example.net"), "\n\n",
    "Meet at ", ("url", "https://meet.example.com/room/42", "https://meet.example.com/room/42"), " today.\n",
    "Call me on ", ("phone", "+447700900123", "+44 7700 900123"), " or ", ("phone", "+447700900456", "+44 7700 900456"), ".\n",
    "Mirror: ", ("domain", "www.example.co.uk", "www.Example.co.uk"), ".\n",
])
plant("payments.csv", [
    "name,card,iban\n",
    "alice,", ("card", "4111111111111111", "4111 1111 1111 1111"), ",", ("iban", "GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32"), "\n",
    "bob,", ("card", "5555555555554444", "5555-5555-5555-4444"), ",", ("iban", "DE89370400440532013000", "DE89370400440532013000"), "\n",
    "carol,", ("card", "378282246310005", "378282246310005"), ",none\n",
])
plant("wallets.txt", [
    "btc ", ("btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"), "\n",
    "segwit ", ("btc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"), "\n",
    "eth ", ("eth", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), "\n",
    "xmr ", ("xmr", "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge",
             "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge"), "\n",
])
plant("network.log", [
    "peer ", ("ipv4", "203.0.113.7", "203.0.113.7"), " connected from ", ("ipv6", "2001:db8::8a2e:370:7334", "2001:DB8::8A2E:370:7334"), "\n",
    "nic ", ("mac", "00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5E"), "\n",
])
plant("registry-strings.bin", [
    "\x00\x00", "LastUser=", ("email", "dave@example.com", "dave@example.com"), "\x00\x00",
    "Proxy=", ("ipv4", "198.51.100.23", "198.51.100.23"), "\x00",
], encoding="utf16le")
# Phone numbers in national form: reported only with --default-region GB (truth beside).
national = "Ring 07700 900789 or (0161) 496 0000 today.\n"
with open(os.path.join(out, "national.txt"), "w") as f:
    f.write(national)
with open(os.path.join(os.path.dirname(truth), "national-gb.tsv"), "w") as f:
    f.write("offset\tnormalized\n")
    f.write("%d\t+447700900789\n" % national.index("07700"))
    f.write("%d\t+441614960000\n" % national.index("(0161)"))

# Near-misses: a card failing Luhn, a BTC address with a bad checksum, a dotted version, an
# IBAN failing mod-97, an EIP-55 address with a wrong checksum letter.
plant("near-misses.txt", [
    "card 4111 1111 1111 1112\n",
    "btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb\n",
    "version 1.2.3.4.5 and build 6.1.7601.17514\n",
    "iban GB82WEST12345698765433\n",
    "eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\n",
])
# Recursion: a zip inside a zip, a gzip stream, a base64 (MIME) attachment.
note = build("archive/bundle.zip", ["private: ", ("email", "erin@example.org", "erin@example.org"), " ends\n"],
             layers="zip:inner.zip/zip:deep/note.txt")
inner = zip_bytes([("deep/note.txt", note)])
log = build("archive/bundle.zip", ["peer ", ("ipv4", "192.0.2.44", "192.0.2.44"), " up\n"], layers="zip:logs/app.log.gz/gzip")
gz = gzip.compress(log, mtime=0)
os.makedirs(os.path.join(out, "archive"), exist_ok=True)
with open(os.path.join(out, "archive", "bundle.zip"), "wb") as f:
    f.write(zip_bytes([("inner.zip", inner), ("logs/app.log.gz", gz)]))
att = build("mail/with-attachment.eml", ["wallet ", ("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
             " and ", ("email", "frank@example.net", "frank@example.net"), " padding to make the block long enough\n"],
            layers="BASE64")
b64 = base64.encodebytes(att).decode().replace("\n", "\r\n")
head = "From: alice@example.org\r\nContent-Transfer-Encoding: base64\r\n\r\n"
rows.append(("mail/with-attachment.eml", "-", 6, "email", "alice@example.org", "ascii"))
eml = (head + b64).encode()
with open(os.path.join(out, "mail", "with-attachment.eml"), "wb") as f:
    f.write(eml)
rows = [(p, l.replace("BASE64", "base64@%#x" % len(head)), o, k, n, e) for (p, l, o, k, n, e) in rows]

# Domains come with every email and URL: add them to the truth.
extra = []
for (path, layers, off, kind, norm, enc) in rows:
    if kind == "email":
        dom = norm.split("@", 1)[1]
        local = norm.split("@", 1)[0]
        step = 2 if enc == "utf16le" else 1
        extra.append((path, layers, off + (len(local) + 1) * step, "domain", dom, enc))
    if kind == "url":
        host = norm.split("://", 1)[1].split("/", 1)[0]
        step = 2 if enc == "utf16le" else 1
        extra.append((path, layers, off + norm.index(host) * step, "domain", host, enc))
rows += extra
rows.sort()
with open(truth, "w") as f:
    f.write("path\tlayers\toffset\tkind\tnormalized\tencoding\n")
    for r in rows:
        f.write("\t".join(str(x) for x in r) + "\n")
PY
mkdir -p "$OUT/photos"
/usr/bin/convert -size 16x16 xc:'#336699' -strip "$OUT/photos/trip.jpg"
exiftool -q -overwrite_original -Make=ExampleCam -Model='EX-100' \
    -DateTimeOriginal='2024:03:15 10:00:00' -GPSLatitude=51.5007 -GPSLatitudeRef=N \
    -GPSLongitude=0.1246 -GPSLongitudeRef=W -GPSAltitude=35 -GPSAltitudeRef=0 "$OUT/photos/trip.jpg"
(cd "$OUT" && exiftool -n -json -Make -Model -DateTimeOriginal -GPSLatitude -GPSLongitude -GPSAltitude \
    photos/trip.jpg) >"$TRUTH/photos-trip.exif.json"
# A Windows executable: the 32-bit console launcher that ships inside pip's wheel (distlib's
# t32.exe, pinned pip version), with pefile's reading of it as ground truth.
PE_BUILD=$TD/build/pe
rm -rf "$PE_BUILD"; mkdir -p "$PE_BUILD" "$OUT/programs"
python3 -m pip download -q --no-deps --no-binary :none: -d "$PE_BUILD" pip==24.0
python3 - "$PE_BUILD"/pip-24.0-py3-none-any.whl "$OUT/programs/launcher.exe" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    open(sys.argv[2], "wb").write(z.read("pip/_vendor/distlib/t32.exe"))
PY
python3 -m venv "$PE_BUILD/venv"
"$PE_BUILD/venv/bin/pip" install -q pefile==2024.8.26
"$PE_BUILD/venv/bin/python" - "$OUT/programs/launcher.exe" "$TRUTH/launcher.pefile.json" <<'PY'
import json, sys, pefile
pe = pefile.PE(sys.argv[1])
imports = [f"{e.dll.decode()}!{i.name.decode() if i.name else 'ord%d' % i.ordinal}"
           for e in getattr(pe, "DIRECTORY_ENTRY_IMPORT", []) for i in e.imports]
sec = pe.OPTIONAL_HEADER.DATA_DIRECTORY[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_SECURITY"]]
json.dump({
    "machine": pefile.MACHINE_TYPE[pe.FILE_HEADER.Machine],
    "timestamp": pe.FILE_HEADER.TimeDateStamp,
    "is_dll": pe.is_dll(),
    "imphash": pe.get_imphash(),
    "sections": [s.Name.rstrip(b"\0").decode() for s in pe.sections],
    "imports": imports,
    "signed": sec.Size > 0,
    "pefile": pefile.__version__,
}, open(sys.argv[2], "w"), indent=1)
PY

# A small FAT16 disk image with features in an allocated file, in a deleted file, in free
# space, and one straddling byte 16 MiB (the first page edge of a raw scan).
find "$OUT" -exec touch -d '2024-03-15 10:00:00 UTC' {} +
DISK_BUILD=$TD/build/features
mkdir -p "$DISK_BUILD" "$TD/images"
IMG=$DISK_BUILD/features-disk.img
rm -f "$IMG"
for t in mkfs.fat mcopy mdel fls; do
    command -v "$t" >/dev/null 2>&1 || { echo "missing $t (dosfstools, mtools, sleuthkit)" >&2; exit 2; }
done
mkfs.fat -C -F 16 -n FEATDISK -i FEA70001 --invariant "$IMG" 24576 >/dev/null
python3 - "$DISK_BUILD/notes.txt" <<'PY'
import sys
open(sys.argv[1], "wb").write(b"draft: contact henry@example.org about card 5555 5555 5555 4444 today\n")
PY
touch -d '2024-03-15 10:00:00 UTC' "$DISK_BUILD/notes.txt"
export MTOOLS_SKIP_CHECK=1
NO_FAKE_STAT=1 faketime -f '2024-03-20 12:00:00' mcopy -m -i "$IMG" "$OUT/payments.csv" ::/payments.csv
NO_FAKE_STAT=1 faketime -f '2024-03-20 12:00:00' mcopy -m -i "$IMG" "$DISK_BUILD/notes.txt" ::/notes.txt
NO_FAKE_STAT=1 faketime -f '2024-03-21 09:00:00' mdel -i "$IMG" ::/notes.txt
python3 - "$IMG" "$TRUTH/features-disk.tsv" <<'PY'
import sys
img, truth = sys.argv[1], sys.argv[2]
planted = [
    (20 * 1024 * 1024 + 100, "email", "ivan@example.net", b"ivan@example.net"),
    (16 * 1024 * 1024 - 5, "email", "judy@example.com", b"judy@example.com"),
]
with open(img, "r+b") as f:
    for off, kind, norm, text in planted:
        f.seek(off)
        f.write(b" " + text + b" ")
with open(truth, "w") as t:
    t.write("evidence_offset\tkind\tnormalized\n")
    for off, kind, norm, text in planted:
        t.write(f"{off + 1}\t{kind}\t{norm}\n")
PY
fls -r -p "$IMG" >"$TRUTH/features-disk.fls.txt"
gzip -9n -c "$IMG" >"$TD/images/features-disk.img.gz"
find "$OUT" -exec touch -d '2024-03-15 10:00:00 UTC' {} +
echo "wrote $OUT and $TRUTH/expected.tsv" >&2
