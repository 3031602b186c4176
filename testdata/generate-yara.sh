#!/usr/bin/env bash
# Builds testdata/yara/: a positive and a negative (near-miss) sample for every bundled rule in
# rules/ (samples/<rule>.pos, samples/<rule>.neg), and images/yara-fat.img.gz, a FAT16 image
# (mkfs.fat, mtools) holding some of the samples: plain files, members of a zip archive
# (Python's zipfile) and a deleted file (mdel). The EICAR sample is not stored: tests build it.
# SQLite samples are made with Python's sqlite3 (the same library browsers embed).
# Deterministic: fixed contents, fixed times, pseudo-random bytes from SHA-256 of a counter.
# Run: bash testdata/generate-yara.sh
set -euo pipefail
for t in mkfs.fat mcopy mdel mmd faketime python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "needs $t (dosfstools, mtools, faketime, python3)" >&2; exit 2; }
done
TD=$(cd "$(dirname "$0")" && pwd)
OUT=$TD/yara
rm -rf "$OUT"
mkdir -p "$OUT/samples" "$OUT/tree"
python3 - "$OUT" <<'PY'
import base64, hashlib, os, sqlite3, struct, sys, zipfile
out = sys.argv[1]
S = os.path.join(out, "samples")

def prng(n, seed):
    b = bytearray(); i = 0
    while len(b) < n:
        b += hashlib.sha256(f"{seed}:{i}".encode()).digest(); i += 1
    return bytes(b[:n])

def put(name, data):
    with open(os.path.join(S, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def sqlite(name, statements):
    p = os.path.join(S, name)
    if os.path.exists(p):
        os.remove(p)
    c = sqlite3.connect(p)
    for s, args in statements:
        c.execute(s, args)
    c.commit(); c.close()

# Crypto wallets
bdb = bytearray(4096)
bdb[12:16] = struct.pack("<I", 0x00053162)
bdb[100:] = (b"\x04name\x22" + b"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2" + b"\x0adefaultkey"
             + b"\x04mkey\x01\x00\x00\x00" + b"\x0aminversion").ljust(3996, b"\0")
put("bitcoin_core_wallet_bdb.pos", bytes(bdb))
put("bitcoin_core_wallet_bdb.neg", "Notes: wallet.dat keys are defaultkey, minversion, name, mkey.\n")
sqlite("bitcoin_core_wallet_sqlite.pos", [
    ("CREATE TABLE main(key BLOB PRIMARY KEY NOT NULL, value BLOB NOT NULL)", ()),
    ("INSERT INTO main VALUES (?, ?)", (b"\x10walletdescriptor" + prng(32, "desc"), b"wpkh([d34db33f/84h/0h/0h]xpub...)#checksum")),
    ("INSERT INTO main VALUES (?, ?)", (b"\x07version", struct.pack("<I", 240000))),
])
sqlite("bitcoin_core_wallet_sqlite.neg", [
    ("CREATE TABLE main(key BLOB PRIMARY KEY NOT NULL, value BLOB NOT NULL)", ()),
    ("INSERT INTO main VALUES (?, ?)", (b"settings", b"{}")),
])
put("electrum_wallet.pos", '{\n    "addr_history": {},\n    "keystore": {\n        "type": "bip32",\n        "xpub": "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs"\n    },\n    "seed_version": 18,\n    "wallet_type": "standard"\n}\n')
put("electrum_wallet.neg", '{\n    "seed_version": 18,\n    "config_version": 3\n}\n')
put("electrum_wallet_encrypted.pos", base64.b64encode(b"BIE1" + prng(300, "electrum")).decode())
put("electrum_wallet_encrypted.neg", "Electrum encrypted files start with QklFM when base64-encoded.\n")
put("ethereum_keystore.pos", '{"address":"008aeeda4d805471df9b2a5b0f38a0c3bcba786b","crypto":{"cipher":"aes-128-ctr","ciphertext":"' + prng(32, "ct").hex() + '","cipherparams":{"iv":"' + prng(16, "iv").hex() + '"},"kdf":"scrypt","kdfparams":{"dklen":32,"n":262144,"p":1,"r":8,"salt":"' + prng(32, "salt").hex() + '"},"mac":"' + prng(32, "mac").hex() + '"},"id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","version":3}\n')
put("ethereum_keystore.neg", '{"crypto": "a word in a JSON file", "kdf": "scrypt"}\n')
words_head = "abandon ability able about above absent absorb abstract absurd abuse access accident".split()
put("bip39_english_wordlist.pos", "\n".join(words_head) + "\n")
put("bip39_english_wordlist.neg", "abandon\nability\nable\nabout\n")

# Private keys (fixed, not real key material)
body = base64.encodebytes(prng(600, "pem")).decode()
put("pem_private_key.pos", "-----BEGIN RSA PRIVATE KEY-----\n" + body + "-----END RSA PRIVATE KEY-----\n")
put("pem_private_key.neg", "-----BEGIN PUBLIC KEY-----\n" + body + "-----END PUBLIC KEY-----\n-----BEGIN CERTIFICATE-----\n" + body + "-----END CERTIFICATE-----\n")
put("openssh_private_key.pos", "-----BEGIN OPENSSH PRIVATE KEY-----\n" + base64.encodebytes(b"openssh-key-v1\0" + prng(200, "ssh")).decode() + "-----END OPENSSH PRIVATE KEY-----\n")
put("openssh_private_key.neg", "ssh-ed25519 " + base64.b64encode(prng(51, "sshpub")).decode() + " suspect@laptop\n")
put("pgp_private_key.pos", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + base64.encodebytes(prng(400, "pgp")).decode() + "=abcd\n-----END PGP PRIVATE KEY BLOCK-----\n")
put("pgp_private_key.neg", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + base64.encodebytes(prng(400, "pgppub")).decode() + "=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n")
put("putty_private_key.pos", "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: eddsa-key-20240301\nPublic-Lines: 2\n" + base64.b64encode(prng(51, "ppkpub")).decode() + "\n\nPrivate-Lines: 1\n" + base64.b64encode(prng(36, "ppk")).decode() + "\nPrivate-MAC: " + prng(32, "ppkmac").hex() + "\n")
put("putty_private_key.neg", "How to convert: a file starting with PuTTY-User-Key-File-3: has Public-Lines: and Private-Lines: sections.\n")

# Password stores
put("keepass_kdbx.pos", bytes.fromhex("03d9a29a67fb4bb5") + struct.pack("<HH", 1, 4) + prng(2000, "kdbx"))
put("keepass_kdbx.neg", bytes.fromhex("03d9a29a66fb4bb5") + struct.pack("<HH", 1, 4) + prng(2000, "kdbxneg"))
put("keepass1_kdb.pos", bytes.fromhex("03d9a29a65fb4bb5") + struct.pack("<I", 3) + prng(2000, "kdb"))
put("keepass1_kdb.neg", bytes.fromhex("03d9a29a") + prng(2000, "kdbneg"))
put("password_safe_v3.pos", b"PWS3" + prng(600, "psafe") + b"PWS3-EOFPWS3-EOF" + prng(32, "psafehmac"))
put("password_safe_v3.neg", b"PWS3" + prng(600, "psafeneg"))
sqlite("chromium_login_data.pos", [
    ("CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR)", ()),
    ("CREATE TABLE logins (origin_url VARCHAR NOT NULL, action_url VARCHAR, username_element VARCHAR, username_value VARCHAR, password_element VARCHAR, password_value BLOB, submit_element VARCHAR, signon_realm VARCHAR NOT NULL, date_created INTEGER NOT NULL, blacklisted_by_user INTEGER NOT NULL, scheme INTEGER NOT NULL)", ()),
    ("INSERT INTO logins VALUES (?,?,?,?,?,?,?,?,?,?,?)", ("https://mail.example.org/", "https://mail.example.org/login", "user", "alice@example.org", "pass", b"v10" + prng(32, "pw"), "", "https://mail.example.org/", 13350000000000000, 0, 0)),
])
sqlite("chromium_login_data.neg", [
    ("CREATE TABLE logins (origin_url VARCHAR NOT NULL, username_value VARCHAR)", ()),
])
put("firefox_logins_json.pos", '{"nextId":2,"logins":[{"id":1,"hostname":"https://mail.example.org","httpRealm":null,"formSubmitURL":"https://mail.example.org","usernameField":"user","passwordField":"pass","encryptedUsername":"' + base64.b64encode(prng(60, "fu")).decode() + '","encryptedPassword":"' + base64.b64encode(prng(60, "fp")).decode() + '","encType":1}],"version":3}')
put("firefox_logins_json.neg", '{"nextId":1,"logins":[],"potentiallyVulnerablePasswords":[],"version":3}')
sqlite("firefox_key4_db.pos", [
    ("CREATE TABLE metaData (id PRIMARY KEY UNIQUE ON CONFLICT REPLACE, item1, item2)", ()),
    ("CREATE TABLE nssPrivate (id PRIMARY KEY UNIQUE ON CONFLICT ABORT, a0, a1, a2, a3, a10, a11, a90)", ()),
    ("INSERT INTO metaData VALUES (?,?,?)", ("password", prng(20, "gs"), prng(80, "pc"))),
])
sqlite("firefox_key4_db.neg", [
    ("CREATE TABLE metaData (id PRIMARY KEY UNIQUE ON CONFLICT REPLACE, item1, item2)", ()),
])

# Tor and VPN
put("tor_torrc.pos", "## Configuration file for a typical Tor user\nSocksPort 9050\nControlPort 9051\nDataDirectory /home/suspect/.tor\nUseBridges 1\n")
put("tor_torrc.neg", "# SocksPort is where applications connect to Tor.\n")
put("tor_state_file.pos", "# Tor state file last generated on 2024-03-01 10:00:00 local time\n# Other times below are in UTC\n# You *do not* need to edit this file.\n\nGuard in=default rsa_id=" + prng(20, "guard").hex().upper() + " sampled_on=2024-02-20T11:12:13\nTorVersion Tor 0.4.8.10\nLastWritten 2024-03-01 10:00:00\n")
put("tor_state_file.neg", "Notes copied from the manual:\n# Tor state file last generated on ...\nTorVersion Tor 0.4.8.10\n")
put("tor_browser_prefs.pos", '// Mozilla User Preferences\nuser_pref("app.update.lastUpdateTime.addon-background-update-timer", 1709290000);\nuser_pref("extensions.torlauncher.prompt_at_startup", false);\nuser_pref("torbrowser.settings.quickstart.enabled", true);\n')
put("tor_browser_prefs.neg", '// Mozilla User Preferences\nuser_pref("browser.startup.homepage", "https://www.example.org/");\n')
put("onion_v3_address.pos", "mirror: http://duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion/\n")
put("onion_v3_address.neg", "old v2 address: http://3g2upl4pq6kufc4m.onion/\n")
put("openvpn_config.pos", "client\ndev tun\nproto udp\nremote vpn.example.net 1194\nresolv-retry infinite\nnobind\nauth-user-pass\n<ca>\n-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(prng(300, "ovpn")).decode() + "-----END CERTIFICATE-----\n</ca>\n")
put("openvpn_config.neg", "port 1194\nproto udp\ndev tun\nca ca.crt\ncert server.crt\nkey server.key\nserver 10.8.0.0 255.255.255.0\n")
put("wireguard_config.pos", "[Interface]\nPrivateKey = " + base64.b64encode(prng(32, "wgpriv")).decode() + "\nAddress = 10.66.0.2/32\nDNS = 10.66.0.1\n\n[Peer]\nPublicKey = " + base64.b64encode(prng(32, "wgpub")).decode() + "\nEndpoint = vpn.example.net:51820\nAllowedIPs = 0.0.0.0/0\n")
put("wireguard_config.neg", "[Interface]\nAddress = 10.66.0.2/32\n\n[Peer]\nPublicKey = " + base64.b64encode(prng(32, "wgpub2")).decode() + "\nEndpoint = vpn.example.net:51820\n")

# Encrypted containers
luks = bytearray(4096)
luks[0:8] = b"LUKS\xba\xbe\x00\x01"
luks[8:40] = b"aes".ljust(32, b"\0"); luks[40:72] = b"xts-plain64".ljust(32, b"\0"); luks[72:104] = b"sha256".ljust(32, b"\0")
luks[168:208] = b"5c5a1e3c-3d1b-4c7e-9a7e-2f4d1c0b9e11".ljust(40, b"\0")
put("luks_header.pos", bytes(luks))
put("luks_header.neg", b"LUKS is the Linux Unified Key Setup.\n")
bde = bytearray(512)
bde[0:3] = b"\xeb\x58\x90"; bde[3:11] = b"-FVE-FS-"; bde[11:13] = struct.pack("<H", 512); bde[510:512] = b"\x55\xaa"
put("bitlocker_volume.pos", bytes(bde))
put("bitlocker_volume.neg", b"-FVE-FS- is the BitLocker signature.\n")
put("apple_encrypted_dmg.pos", b"encrcdsa" + struct.pack(">I", 2) + prng(1000, "dmg"))
put("apple_encrypted_dmg.neg", b"An encrypted dmg starts with encrcdsa.\n")
put("veracrypt_truecrypt_artefact.pos", '<?xml version="1.0" encoding="utf-8"?>\n<VeraCrypt>\n\t<configuration>\n\t\t<config key="OpenExplorerWindowAfterMount">0</config>\n\t</configuration>\n</VeraCrypt>\n')
put("veracrypt_truecrypt_artefact.neg", "VeraCrypt and TrueCrypt are disk encryption programs.\n")
put("encrypted_container_candidate.pos", prng(256 * 1024, "container"))
put("encrypted_container_candidate.neg", prng(256 * 1024 + 100, "notcontainer"))

# The tree placed in the image.
T = os.path.join(out, "tree")
def tput(rel, data):
    p = os.path.join(T, rel); os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f: f.write(data)
def sample(n): return open(os.path.join(S, n), "rb").read()
tput("Users/suspect/.ssh/id_ed25519", sample("openssh_private_key.pos"))
tput("Users/suspect/.ssh/id_ed25519.pub", sample("openssh_private_key.neg"))
tput("Users/suspect/Documents/Passwords.kdbx", sample("keepass_kdbx.pos"))
tput("Users/suspect/Documents/notes.txt", b"Shopping list: milk, eggs.\n")
tput("Users/suspect/secret.asc", sample("pgp_private_key.pos"))
tput("Users/suspect/Tor/torrc", sample("tor_torrc.pos"))
z = os.path.join(T, "Users/suspect/Downloads/backup.zip")
os.makedirs(os.path.dirname(z), exist_ok=True)
inner_zip = os.path.join(out, "inner.zip")
with zipfile.ZipFile(inner_zip, "w", zipfile.ZIP_DEFLATED) as zf:
    zi = zipfile.ZipInfo("wg0.conf", (2024, 3, 1, 10, 0, 0)); zi.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(zi, sample("wireguard_config.pos"))
with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
    for name, data in [("electrum/default_wallet", sample("electrum_wallet.pos")),
                       ("readme.txt", b"Backup of my laptop.\n"),
                       ("vpn/inner.zip", open(inner_zip, "rb").read())]:
        zi = zipfile.ZipInfo(name, (2024, 3, 1, 10, 0, 0)); zi.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(zi, data)
os.remove(inner_zip)
PY
img=$OUT/yara-fat.img
rm -f "$img"
mkfs.fat -C -F 16 -n YARAVOL --invariant -i 7a7a0001 "$img" 32768 >/dev/null
mt() { NO_FAKE_STAT=1 faketime -f "2024-03-01 10:00:00" "$@" </dev/null; }
( cd "$OUT/tree" && find . -type d | sort | sed 's|^\./||' | grep -v '^\.$' | while read -r d; do mt mmd -i "$img" "::/$d"; done
  find . -type f | sort | sed 's|^\./||' | while read -r f; do mt mcopy -i "$img" "$f" "::/$f"; done )
# A deleted file: its clusters are not reused, so its content is recoverable.
mt mdel -i "$img" ::/Users/suspect/secret.asc
gzip -n -9 -c "$img" > "$TD/images/yara-fat.img.gz"
rm -f "$img"
echo "wrote $OUT/samples ($(ls "$OUT/samples" | wc -l) files), $OUT/tree and images/yara-fat.img.gz"
