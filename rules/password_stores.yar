// Password databases and browser credential stores.

rule keepass_kdbx
{
    meta:
        description = "KeePass 2.x database (KDBX 2 to 4)"
        author = "peel"
        reference = "https://keepass.info/help/kb/kdbx_4.html"
        score = 80
    condition:
        uint32(0) == 0x9aa2d903 and uint32(4) == 0xb54bfb67
}

rule keepass1_kdb
{
    meta:
        description = "KeePass 1.x database (KDB)"
        author = "peel"
        reference = "https://keepass.info/help/base/dbformats.html"
        score = 80
    condition:
        uint32(0) == 0x9aa2d903 and uint32(4) == 0xb54bfb65
}

rule password_safe_v3
{
    meta:
        description = "Password Safe v3 database (psafe3)"
        author = "peel"
        reference = "https://github.com/pwsafe/pwsafe/blob/master/docs/formatV3.txt"
        score = 80
    strings:
        $magic = "PWS3"
        $eof = "PWS3-EOFPWS3-EOF"
    condition:
        $magic at 0 and $eof
}

rule chromium_login_data
{
    meta:
        description = "Chrome, Edge or other Chromium 'Login Data' database (saved passwords)"
        author = "peel"
        reference = "https://chromium.googlesource.com/chromium/src/+/main/components/password_manager/core/browser/password_store/login_database.cc"
        score = 70
    strings:
        $table = "CREATE TABLE logins"
        $origin = "origin_url"
        $password = "password_value"
    condition:
        uint32be(0) == 0x53514c69 and all of them
}

rule firefox_logins_json
{
    meta:
        description = "Firefox logins.json (saved, NSS-encrypted passwords)"
        author = "peel"
        reference = "https://support.mozilla.org/en-US/kb/profiles-where-firefox-stores-user-data"
        score = 70
    strings:
        $logins = "\"logins\":["
        $user = "\"encryptedUsername\":"
        $pass = "\"encryptedPassword\":"
    condition:
        all of them
}

rule firefox_key4_db
{
    meta:
        description = "Firefox key4.db (NSS key store protecting saved passwords)"
        author = "peel"
        reference = "https://support.mozilla.org/en-US/kb/profiles-where-firefox-stores-user-data"
        score = 60
    strings:
        $meta = "CREATE TABLE metaData"
        $private = "CREATE TABLE nssPrivate"
    condition:
        uint32be(0) == 0x53514c69 and all of them
}
