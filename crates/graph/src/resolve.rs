//! Entity resolution: how a spelling becomes a node key. Every step is named and recorded on
//! the node, and nothing is merged by similarity — only by equal normalised values.

/// The outcome of resolving one spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Entity kind.
    pub kind: String,
    /// Normalised value.
    pub label: String,
    /// `kind:label`.
    pub key: String,
    /// Steps that changed the spelling, in order.
    pub steps: Vec<&'static str>,
}

/// Entity kind for a feature kind (`url` → `host`, `btc` → `wallet` …); `None` for kinds
/// that are not entities.
pub fn entity_kind(feature_kind: &str) -> Option<&'static str> {
    Some(match feature_kind {
        "email" => "email",
        "phone" => "phone",
        "domain" => "domain",
        "url" | "host" => "host",
        "ipv4" | "ipv6" | "ip" => "ip",
        "mac" => "mac",
        "card" => "card",
        "iban" => "iban",
        "btc" | "eth" | "xmr" | "wallet" => "wallet",
        "handle" | "username" => "handle",
        "plate" => "plate",
        "location" => "location",
        "device" => "device",
        "evidence" => "evidence",
        "file" => "file",
        _ => return None,
    })
}

/// Lower-cases an ASCII or Unicode domain and converts it to its IDNA (punycode) form.
fn domain(s: &str, steps: &mut Vec<&'static str>) -> Option<String> {
    let t = s.trim().trim_end_matches('.');
    if t.len() != s.len() {
        steps.push("trimmed");
    }
    if t.is_empty() {
        return None;
    }
    let lower = t.to_lowercase();
    if lower != t {
        steps.push("lower-cased");
    }
    if lower.is_ascii() {
        return Some(lower);
    }
    let ascii = idna::domain_to_ascii(&lower).ok()?;
    steps.push("IDNA");
    Some(ascii)
}

fn digits_only(s: &str, steps: &mut Vec<&'static str>) -> String {
    let d: String = s.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if d.len() != s.len() {
        steps.push("separators removed");
    }
    d
}

/// Resolves `value` as an entity of `kind` (an entity kind or a feature kind). Phone numbers
/// not in international form are read in `region` (ISO 3166 code) when given.
pub fn resolve(kind: &str, value: &str, region: Option<&str>) -> Option<Resolved> {
    let ek = entity_kind(kind).unwrap_or(kind);
    let mut steps = Vec::new();
    let raw = value.trim();
    if raw.len() != value.len() {
        steps.push("trimmed");
    }
    let label = match ek {
        "email" => {
            let v = raw
                .strip_prefix("mailto:")
                .or_else(|| raw.strip_prefix("MAILTO:"));
            if v.is_some() {
                steps.push("mailto: removed");
            }
            let v = v.unwrap_or(raw).trim_matches(|c| c == '<' || c == '>');
            let (local, dom) = v.rsplit_once('@')?;
            if local.is_empty() {
                return None;
            }
            let l = local.to_lowercase();
            if l != local {
                steps.push("lower-cased");
            }
            let d = domain(dom, &mut steps)?;
            format!("{l}@{d}")
        }
        "domain" => domain(raw, &mut steps)?,
        "host" => {
            let host = match raw.split_once("://") {
                Some((_, rest)) => {
                    steps.push("host of URL");
                    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
                    let auth = rest.get(..end).unwrap_or(rest);
                    let auth = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
                    if auth.starts_with('[') {
                        auth.split_once(']')
                            .map_or(auth, |(h, _)| h)
                            .trim_start_matches('[')
                    } else {
                        auth.split_once(':').map_or(auth, |(h, _)| h)
                    }
                }
                None => raw,
            };
            domain(host, &mut steps)?
        }
        "phone" => phone(raw, region, &mut steps)?,
        "ip" => match raw.parse::<std::net::IpAddr>() {
            Ok(ip) => {
                let s = ip.to_string();
                if s != raw {
                    steps.push("canonical IP form");
                }
                s
            }
            Err(_) => return None,
        },
        "mac" => {
            let hex: String = raw.chars().filter(|c| c.is_ascii_hexdigit()).collect();
            if hex.len() != 12 {
                return None;
            }
            let lower = hex.to_lowercase();
            let mut s = String::with_capacity(17);
            for (i, c) in lower.chars().enumerate() {
                if i > 0 && i % 2 == 0 {
                    s.push(':');
                }
                s.push(c);
            }
            if s != raw {
                steps.push("canonical MAC form");
            }
            s
        }
        "card" => digits_only(raw, &mut steps),
        "iban" => {
            let d = digits_only(raw, &mut steps);
            let u = d.to_uppercase();
            if u != d {
                steps.push("upper-cased");
            }
            u
        }
        "handle" => {
            let h = raw.trim_start_matches('@');
            if h.len() != raw.len() {
                steps.push("@ removed");
            }
            let l = h.to_lowercase();
            if l != h {
                steps.push("lower-cased");
            }
            l
        }
        "plate" => {
            let d: String = raw
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect();
            if d.len() != raw.len() {
                steps.push("separators removed");
            }
            let u = d.to_uppercase();
            if u != d {
                steps.push("upper-cased");
            }
            u
        }
        _ => raw.to_string(),
    };
    if label.is_empty() {
        return None;
    }
    steps.dedup();
    Some(Resolved {
        kind: ek.to_string(),
        key: format!("{ek}:{label}"),
        label,
        steps,
    })
}

fn phone(raw: &str, region: Option<&str>, steps: &mut Vec<&'static str>) -> Option<String> {
    let compact: String = raw
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    if compact.is_empty() {
        return None;
    }
    let intl = compact.starts_with('+') || compact.starts_with("00");
    let country = if intl {
        None
    } else {
        match region.and_then(|r| r.to_uppercase().parse::<phonenumber::country::Id>().ok()) {
            Some(c) => Some(c),
            None => {
                // Without a region a national number cannot be placed; keep its digits.
                if compact != raw {
                    steps.push("separators removed");
                }
                steps.push("national form, no region");
                return Some(compact);
            }
        }
    };
    let text = compact
        .strip_prefix("00")
        .map_or(compact.clone(), |r| format!("+{r}"));
    match phonenumber::parse(country, &text) {
        Ok(n) => {
            let e164 = n.format().mode(phonenumber::Mode::E164).to_string();
            if e164 != raw {
                steps.push(if country.is_some() {
                    "E.164 (default region)"
                } else {
                    "E.164"
                });
            }
            Some(e164)
        }
        Err(_) => {
            steps.push("not a parseable number, digits kept");
            Some(compact)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn emails_lower_and_idna() {
        let r = resolve("email", " Alice.Smith@Example.ORG ", None).unwrap();
        assert_eq!(r.key, "email:alice.smith@example.org");
        assert_eq!(r.steps, vec!["trimmed", "lower-cased"]);
        let r = resolve("email", "bob@bücher.example", None).unwrap();
        assert_eq!(r.label, "bob@xn--bcher-kva.example");
        assert!(r.steps.contains(&"IDNA"));
        assert!(resolve("email", "@example.org", None).is_none());
    }

    #[test]
    fn phones_to_e164() {
        let r = resolve("phone", "07700 900123", Some("GB")).unwrap();
        assert_eq!(r.key, "phone:+447700900123");
        assert_eq!(r.steps, vec!["E.164 (default region)"]);
        assert_eq!(
            resolve("phone", "0044 7700 900123", None).unwrap().label,
            "+447700900123"
        );
        let r = resolve("phone", "07700 900123", None).unwrap();
        assert_eq!(r.label, "07700900123");
        assert!(r.steps.contains(&"national form, no region"));
    }

    #[test]
    fn hosts_ips_macs() {
        assert_eq!(
            resolve("url", "https://user@Meet.Example.com:8443/x?y", None)
                .unwrap()
                .key,
            "host:meet.example.com"
        );
        assert_eq!(
            resolve("url", "http://[2001:db8::1]/", None).unwrap().key,
            "host:2001:db8::1"
        );
        assert_eq!(
            resolve("ipv6", "2001:0db8:0:0:0:0:0:1", None)
                .unwrap()
                .label,
            "2001:db8::1"
        );
        assert_eq!(
            resolve("mac", "00-1A-2B-3C-4D-5E", None).unwrap().label,
            "00:1a:2b:3c:4d:5e"
        );
        assert_eq!(
            resolve("iban", "gb82 west 1234 5698 7654 32", None)
                .unwrap()
                .label,
            "GB82WEST12345698765432"
        );
        assert_eq!(resolve("btc", "x", None).unwrap().kind, "wallet");
    }
}
