// Private keys: PEM/OpenSSH/PGP/PuTTY key material that unlocks accounts, servers or mail.

rule pem_private_key
{
    meta:
        description = "PEM private key (PKCS#1 RSA, DSA, EC, PKCS#8, encrypted PKCS#8)"
        author = "peel"
        reference = "https://datatracker.ietf.org/doc/html/rfc7468"
        score = 75
    strings:
        $rsa = "-----BEGIN RSA PRIVATE KEY-----"
        $dsa = "-----BEGIN DSA PRIVATE KEY-----"
        $ec = "-----BEGIN EC PRIVATE KEY-----"
        $pkcs8 = "-----BEGIN PRIVATE KEY-----"
        $enc = "-----BEGIN ENCRYPTED PRIVATE KEY-----"
    condition:
        any of them
}

rule openssh_private_key
{
    meta:
        description = "OpenSSH private key (openssh-key-v1)"
        author = "peel"
        reference = "https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.key"
        score = 75
    strings:
        $begin = "-----BEGIN OPENSSH PRIVATE KEY-----"
    condition:
        $begin
}

rule pgp_private_key
{
    meta:
        description = "OpenPGP private key block (ASCII armour)"
        author = "peel"
        reference = "https://datatracker.ietf.org/doc/html/rfc4880#section-6.2"
        score = 75
    strings:
        $begin = "-----BEGIN PGP PRIVATE KEY BLOCK-----"
    condition:
        $begin
}

rule putty_private_key
{
    meta:
        description = "PuTTY private key file (.ppk)"
        author = "peel"
        reference = "https://the.earth.li/~sgtatham/putty/0.78/htmldoc/AppendixC.html"
        score = 75
    strings:
        $v2 = "PuTTY-User-Key-File-2: "
        $v3 = "PuTTY-User-Key-File-3: "
        $private = "Private-Lines:"
    condition:
        ($v2 at 0 or $v3 at 0) and $private
}
