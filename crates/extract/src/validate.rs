//! Checksums and structural rules that tell a real identifier from look-alike digits: Luhn and
//! issuer ranges for payment cards, ISO 13616 mod-97 for IBANs, Base58Check and
//! Bech32/Bech32m for Bitcoin, EIP-55 for Ethereum, Keccak checksums for Monero.

use sha2::{Digest, Sha256};
use sha3::Keccak256;

/// Luhn (mod 10) check over ASCII digits.
pub fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let Some(v) = d.checked_sub(b'0').filter(|v| *v <= 9) else {
            return false;
        };
        let v = u32::from(v);
        sum += if i % 2 == 1 {
            let x = v * 2;
            if x > 9 { x - 9 } else { x }
        } else {
            v
        };
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

fn prefix_num(d: &[u8], n: usize) -> u32 {
    d.iter()
        .take(n)
        .fold(0u32, |a, &c| a * 10 + u32::from(c.saturating_sub(b'0')))
}

/// The card scheme whose issuer range and length fit, if any.
pub fn card_scheme(d: &[u8]) -> Option<&'static str> {
    let len = d.len();
    let p1 = prefix_num(d, 1);
    let p2 = prefix_num(d, 2);
    let p3 = prefix_num(d, 3);
    let p4 = prefix_num(d, 4);
    let p6 = prefix_num(d, 6);
    if p2 == 34 || p2 == 37 {
        return (len == 15).then_some("amex");
    }
    if (51..=55).contains(&p2) || (2221..=2720).contains(&p4) {
        return (len == 16).then_some("mastercard");
    }
    if p1 == 4 {
        return matches!(len, 13 | 16 | 19).then_some("visa");
    }
    if p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 || (622_126..=622_925).contains(&p6) {
        return (16..=19).contains(&len).then_some("discover");
    }
    if (3528..=3589).contains(&p4) {
        return (16..=19).contains(&len).then_some("jcb");
    }
    if p2 == 36 || p2 == 38 || p2 == 39 || (300..=305).contains(&p3) {
        return (14..=19).contains(&len).then_some("diners");
    }
    if p2 == 62 {
        return (16..=19).contains(&len).then_some("unionpay");
    }
    if p2 == 50 || (56..=69).contains(&p2) {
        return (12..=19).contains(&len).then_some("maestro");
    }
    None
}

/// IBAN lengths by country (ISO 13616 registry).
const IBAN_LEN: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NL", 18),
    ("NO", 15),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("SA", 24),
    ("SC", 31),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
];

/// The IBAN length for a country code, if the country issues IBANs.
pub fn iban_length(cc: &[u8]) -> Option<usize> {
    let cc = std::str::from_utf8(cc).ok()?.to_ascii_uppercase();
    IBAN_LEN.iter().find(|(c, _)| *c == cc).map(|&(_, l)| l)
}

/// ISO 13616: country length and mod-97 == 1 over the rearranged string (`compact`: no
/// spaces, upper case).
pub fn iban(compact: &[u8]) -> bool {
    let Some(cc) = compact.get(0..2).and_then(|c| std::str::from_utf8(c).ok()) else {
        return false;
    };
    let Some(&(_, len)) = IBAN_LEN.iter().find(|(c, _)| *c == cc) else {
        return false;
    };
    if compact.len() != len {
        return false;
    }
    let (head, tail) = compact.split_at(4);
    let mut rem = 0u32;
    for &c in tail.iter().chain(head) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

const B58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Base58 (Bitcoin alphabet) decoding.
pub fn base58_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    for &c in s {
        let mut carry = B58.iter().position(|&a| a == c)? as u32;
        for b in out.iter_mut().rev() {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xFF) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xFF) as u8);
            carry >>= 8;
        }
    }
    let zeros = s.iter().take_while(|&&c| c == b'1').count();
    let mut v = vec![0u8; zeros];
    v.extend(out);
    Some(v)
}

/// A legacy (P2PKH/P2SH, main or test net) Bitcoin address with a valid Base58Check checksum.
pub fn btc_base58(s: &[u8]) -> bool {
    let Some(d) = base58_decode(s) else {
        return false;
    };
    if d.len() != 25 || !matches!(d.first(), Some(0x00 | 0x05 | 0x6f | 0xc4)) {
        return false;
    }
    let (payload, check) = d.split_at(21);
    let h = Sha256::digest(Sha256::digest(payload));
    h.get(..4) == Some(check)
}

const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

fn bech32_polymod(values: &[u8]) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk = 1u32;
    for &v in values {
        let b = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (b >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// A SegWit address (`bc1…`/`tb1…`) with a valid Bech32 (v0) or Bech32m (v1+) checksum.
pub fn btc_bech32(s: &[u8]) -> bool {
    let lower: Vec<u8> = s.to_ascii_lowercase();
    if s.iter().any(u8::is_ascii_lowercase) && s.iter().any(u8::is_ascii_uppercase) {
        return false;
    }
    let Some(sep) = lower.iter().rposition(|&c| c == b'1') else {
        return false;
    };
    let (hrp, data) = lower.split_at(sep);
    let data = data.get(1..).unwrap_or_default();
    if !(hrp == b"bc" || hrp == b"tb") || data.len() < 7 {
        return false;
    }
    let mut vals: Vec<u8> = hrp.iter().map(|c| c >> 5).collect();
    vals.push(0);
    vals.extend(hrp.iter().map(|c| c & 31));
    let mut d5 = Vec::with_capacity(data.len());
    for c in data {
        let Some(p) = BECH32.iter().position(|a| a == c) else {
            return false;
        };
        d5.push(p as u8);
    }
    vals.extend(&d5);
    let Some(&version) = d5.first() else {
        return false;
    };
    let want = if version == 0 { 1 } else { 0x2bc8_30a3 };
    bech32_polymod(&vals) == want && version <= 16
}

/// EIP-55 mixed-case checksum of `0x` + 40 hex digits: `Some(true/false)` when the address is
/// mixed case, `None` when it is all one case (no checksum to test).
pub fn eip55(addr: &[u8]) -> Option<bool> {
    let hex = addr.get(2..)?;
    let letters = hex.iter().filter(|c| c.is_ascii_alphabetic());
    let (mut up, mut low) = (false, false);
    for c in letters {
        if c.is_ascii_uppercase() {
            up = true;
        } else {
            low = true;
        }
    }
    if !(up && low) {
        return None;
    }
    let lower = hex.to_ascii_lowercase();
    let h = Keccak256::digest(&lower);
    for (i, c) in hex.iter().enumerate() {
        if !c.is_ascii_alphabetic() {
            continue;
        }
        let nib = h
            .get(i / 2)
            .map(|b| if i % 2 == 0 { b >> 4 } else { b & 0x0F })
            .unwrap_or(0);
        if (nib >= 8) != c.is_ascii_uppercase() {
            return Some(false);
        }
    }
    Some(true)
}

/// Monero's base58: 8-byte blocks as 11 characters, the last block shorter.
fn monero_b58_decode(s: &[u8]) -> Option<Vec<u8>> {
    const ENC_SIZES: [usize; 9] = [0, 2, 3, 5, 6, 7, 9, 10, 11];
    let mut out = Vec::new();
    for chunk in s.chunks(11) {
        let bytes = ENC_SIZES.iter().position(|&n| n == chunk.len())?;
        let mut num: u128 = 0;
        for &c in chunk {
            num = num * 58 + B58.iter().position(|&a| a == c)? as u128;
        }
        if bytes < 8 && num >> (8 * bytes) != 0 {
            return None;
        }
        let be = num.to_be_bytes();
        out.extend_from_slice(be.get(16 - bytes..)?);
    }
    Some(out)
}

/// A standard (95-character) Monero address whose Keccak-256 checksum holds.
pub fn monero(s: &[u8]) -> bool {
    let Some(d) = monero_b58_decode(s) else {
        return false;
    };
    if d.len() != 69 {
        return false;
    }
    let (body, check) = d.split_at(65);
    Keccak256::digest(body).get(..4) == Some(check)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn cards() {
        assert!(luhn(b"4111111111111111") && card_scheme(b"4111111111111111") == Some("visa"));
        assert!(luhn(b"378282246310005") && card_scheme(b"378282246310005") == Some("amex"));
        assert!(
            luhn(b"5555555555554444") && card_scheme(b"5555555555554444") == Some("mastercard")
        );
        assert!(!luhn(b"4111111111111112"));
        assert_eq!(
            card_scheme(b"378282246310005111"),
            None,
            "amex is 15 digits"
        );
    }

    #[test]
    fn ibans() {
        assert!(iban(b"GB82WEST12345698765432"));
        assert!(iban(b"DE89370400440532013000"));
        assert!(!iban(b"GB82WEST12345698765433"));
        assert!(!iban(b"GB82WEST1234569876543"), "length");
    }

    #[test]
    fn bitcoin() {
        assert!(btc_base58(b"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
        assert!(!btc_base58(b"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"));
        assert!(
            !btc_bech32(b"bc1qw508d6qejxtdg4ls8rtb9oq6z6s0qznxm1egyx"),
            "o is not bech32"
        );
        assert!(btc_bech32(b"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"));
        assert!(btc_bech32(b"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
        assert!(btc_bech32(
            b"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
        ));
        assert!(!btc_bech32(b"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"));
        assert!(
            !btc_bech32(b"bC1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
            "mixed case"
        );
    }

    #[test]
    fn ethereum() {
        assert_eq!(
            eip55(b"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            Some(true)
        );
        assert_eq!(
            eip55(b"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"),
            Some(false)
        );
        assert_eq!(eip55(b"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"), None);
    }

    #[test]
    fn monero_checksum() {
        let a = b"4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge";
        assert!(monero(a));
        let mut b = a.to_vec();
        b[50] = if b[50] == b'a' { b'b' } else { b'a' };
        assert!(!monero(&b));
    }
}
