// Encrypted volumes and containers: where evidence may be hidden behind a password.

import "math"

rule luks_header
{
    meta:
        description = "LUKS encrypted volume header (version 1 or 2)"
        author = "peel"
        reference = "https://gitlab.com/cryptsetup/cryptsetup/-/wikis/LUKS-standard/on-disk-format.pdf"
        score = 70
    strings:
        $magic = { 4C 55 4B 53 BA BE 00 0? }
    condition:
        $magic at 0 and (uint16be(6) == 1 or uint16be(6) == 2)
}

rule bitlocker_volume
{
    meta:
        description = "BitLocker encrypted volume (boot sector with the -FVE-FS- signature)"
        author = "peel"
        reference = "https://github.com/libyal/libbde/blob/main/documentation/BitLocker%20Drive%20Encryption%20(BDE)%20format.asciidoc"
        score = 70
    strings:
        $fve = "-FVE-FS-"
    condition:
        $fve at 3
}

rule apple_encrypted_dmg
{
    meta:
        description = "Encrypted Apple disk image (encrcdsa)"
        author = "peel"
        reference = "https://github.com/libyal/libmodi/blob/main/documentation/Mac%20OS%20disk%20image%20types.asciidoc"
        score = 60
    strings:
        $magic = "encrcdsa"
    condition:
        $magic at 0
}

rule veracrypt_truecrypt_artefact
{
    meta:
        description = "VeraCrypt or TrueCrypt in use: boot loader, configuration or favourites file"
        author = "peel"
        reference = "https://veracrypt.fr/en/VeraCrypt%20System%20Files.html"
        score = 50
    strings:
        $vc_conf = "<VeraCrypt>"
        $tc_conf = "<TrueCrypt>"
        $vc_boot = "VeraCrypt Boot Loader"
        $tc_boot = "TrueCrypt Boot Loader"
        $vc_fav = "<favorites>"
    condition:
        any of ($vc_conf, $tc_conf, $vc_boot, $tc_boot) or (($vc_conf or $tc_conf) and $vc_fav)
}

rule encrypted_container_candidate
{
    meta:
        description = "Hint only: a headerless, sector-aligned file of random-looking bytes, as a VeraCrypt or TrueCrypt container is"
        author = "peel"
        reference = "https://veracrypt.fr/en/VeraCrypt%20Volume%20Format%20Specification.html"
        score = 30
    condition:
        filesize >= 256KB and filesize % 512 == 0
        and math.entropy(0, 65536) > 7.99
        and math.entropy(filesize - 65536, 65536) > 7.99
}
