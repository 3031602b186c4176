// Crypto-currency wallets and seed material: files an investigator wants to know exist.

rule bitcoin_core_wallet_bdb
{
    meta:
        description = "Bitcoin Core wallet.dat (Berkeley DB btree with wallet keys)"
        author = "peel"
        reference = "https://github.com/bitcoin/bitcoin/blob/master/src/wallet/walletdb.cpp"
        score = 80
    strings:
        $defaultkey = "defaultkey"
        $minversion = "minversion"
        $mkey = "\x04mkey"
        $ckey = "\x04ckey"
        $key = "\x03key"
        $name = "\x04name"
    condition:
        uint32(12) == 0x00053162 and 2 of them
}

rule bitcoin_core_wallet_sqlite
{
    meta:
        description = "Bitcoin Core descriptor wallet (SQLite, 0.21 and later)"
        author = "peel"
        reference = "https://github.com/bitcoin/bitcoin/blob/master/doc/managing-wallets.md"
        score = 80
    strings:
        $main = "CREATE TABLE main(key BLOB PRIMARY KEY NOT NULL, value BLOB NOT NULL)"
        $desc = "walletdescriptor"
    condition:
        uint32be(0) == 0x53514c69 and $main and $desc
}

rule electrum_wallet
{
    meta:
        description = "Electrum wallet file (JSON, unencrypted)"
        author = "peel"
        reference = "https://electrum.readthedocs.io/en/latest/faq.html#where-is-my-wallet-file-located"
        score = 80
    strings:
        $seed_version = "\"seed_version\":"
        $wallet_type = "\"wallet_type\":"
        $keystore = "\"keystore\":"
    condition:
        $seed_version and ($wallet_type or $keystore)
}

rule electrum_wallet_encrypted
{
    meta:
        description = "Electrum wallet encrypted with a password (base64 of a BIE1 ECIES blob)"
        author = "peel"
        reference = "https://github.com/spesmilo/electrum/blob/master/electrum/crypto.py"
        score = 70
    strings:
        $bie1 = "QklFM"
    condition:
        $bie1 at 0
}

rule ethereum_keystore
{
    meta:
        description = "Ethereum key store file (Web3 Secret Storage: encrypted private key)"
        author = "peel"
        reference = "https://ethereum.org/en/developers/docs/data-structures-and-encoding/web3-secret-storage/"
        score = 80
    strings:
        $crypto = "\"crypto\""
        $cipher = "\"ciphertext\""
        $kdf = "\"kdf\""
        $mac = "\"mac\""
    condition:
        filesize < 64KB and all of them
}

rule bip39_english_wordlist
{
    meta:
        description = "BIP-39 English word list (used to write or recover seed phrases)"
        author = "peel"
        reference = "https://github.com/bitcoin/bips/blob/master/bip-0039/english.txt"
        score = 60
    strings:
        $start = /abandon\r?\nability\r?\nable\r?\nabout\r?\nabove\r?\nabsent\r?\nabsorb\r?\nabstract/
        $end = /zebra\r?\nzero\r?\nzone\r?\nzoo/
    condition:
        $start or $end
}
