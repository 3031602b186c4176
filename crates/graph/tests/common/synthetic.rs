//! A synthetic association graph shaped like a real case (communities, hubs, several entity
//! and link kinds, evidence on every link), shared by the viewer test and its benchmark.

use std::collections::{BTreeMap, HashSet};

use peel_graph::view::{ViewEdge, ViewEvidence, ViewGraph, ViewNode};

/// SplitMix64: small, seeded, reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }
}

const KINDS: [(&str, u32); 10] = [
    ("email", 30),
    ("phone", 18),
    ("domain", 10),
    ("ip", 10),
    ("handle", 10),
    ("url", 8),
    ("wallet", 5),
    ("host", 4),
    ("iban", 3),
    ("file", 2),
];

fn label(kind: &str, i: usize, rng: &mut Rng) -> String {
    let names = [
        "alice", "bob", "carol", "dmitri", "eve", "farid", "grace", "heidi", "ivan", "judy",
        "mallory", "oscar",
    ];
    let name = names[rng.below(names.len())];
    match kind {
        "email" => format!("{name}.{i}@example.org"),
        "phone" => format!("+49 30 {:07}", (i * 7919) % 10_000_000),
        "domain" => format!("{name}-{i}.example.net"),
        "ip" => format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255),
        "handle" => format!("@{name}_{i}"),
        "url" => format!("https://{name}.example.com/p/{i}"),
        "wallet" => format!(
            "bc1q{:038x}",
            (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ),
        "host" => format!("ws-{i}.corp.example"),
        "iban" => format!("DE{:02}5001{:012}", i % 97, i),
        _ => format!("Users/{name}/Documents/report-{i}.docx"),
    }
}

/// A graph of `n` nodes with about `3 n` edges in about `n / 150` communities.
pub fn synthetic(n: usize, seed: u64) -> ViewGraph {
    let mut rng = Rng::new(seed);
    let communities = (n / 150).max(1);
    // Community sizes skewed: a few large ones, many small ones.
    let weights: Vec<f64> = (0..communities)
        .map(|c| 1.0 / (1.0 + c as f64).powf(0.8))
        .collect();
    let total: f64 = weights.iter().sum();
    let mut community_of = Vec::with_capacity(n);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); communities];
    for i in 0..n {
        let mut u = rng.unit() * total;
        let mut c = 0;
        while c + 1 < communities && u >= weights[c] {
            u -= weights[c];
            c += 1;
        }
        community_of.push(c);
        members[c].push(i);
    }
    let kind_total: u32 = KINDS.iter().map(|k| k.1).sum();
    let mut nodes: Vec<ViewNode> = (0..n)
        .map(|i| {
            let mut pick = (rng.next() % u64::from(kind_total)) as u32;
            let mut kind = KINDS[0].0;
            for (k, w) in KINDS {
                if pick < w {
                    kind = k;
                    break;
                }
                pick -= w;
            }
            let label = label(kind, i, &mut rng);
            ViewNode {
                id: format!("{kind}:{label}"),
                label,
                kind: kind.into(),
                community: Some(community_of[i] as u32),
                metrics: BTreeMap::new(),
                details: BTreeMap::from([
                    (
                        "first seen".into(),
                        format!("2023-{:02}-{:02}T08:00:00Z", 1 + i % 12, 1 + i % 28),
                    ),
                    ("records".into(), (1 + i % 17).to_string()),
                ]),
            }
        })
        .collect();

    let target_edges = 3 * n;
    let mut seen = HashSet::new();
    let mut edges = Vec::with_capacity(target_edges);
    let kinds = [
        "co-occurs",
        "co-occurs",
        "co-occurs",
        "communicates",
        "seen-on",
        "called",
    ];
    let mut attempts = 0;
    while edges.len() < target_edges && attempts < target_edges * 10 {
        attempts += 1;
        let a = rng.below(n);
        let b = if rng.unit() < 0.9 {
            let m = &members[community_of[a]];
            // Skewed towards a community's first members: they become hubs.
            let u = rng.unit();
            m[((u * u * u) * m.len() as f64) as usize % m.len()]
        } else {
            rng.below(n)
        };
        if a == b || !seen.insert((a.min(b), a.max(b))) {
            continue;
        }
        let weight = 1.0 + (-(1.0 - rng.unit()).ln() * 1.5).floor();
        let kind = kinds[rng.below(kinds.len())];
        let records = (weight as usize).min(4);
        let evidence = (0..records)
            .map(|r| {
                let item = format!("case-{:02}.E01", 1 + (a + r) % 9);
                ViewEvidence {
                    locator: format!(
                        "{item} / vol:2@1048576 / ntfs / Users/u{}/mail/msg-{}.eml / @0x{:x}",
                        a % 40,
                        edges.len(),
                        0x1a2 + r * 0x40
                    ),
                    evidence: item,
                    time: Some(format!(
                        "2023-{:02}-{:02}T{:02}:{:02}:00Z",
                        1 + r % 12,
                        1 + a % 28,
                        b % 24,
                        a % 60
                    )),
                    context: Some(format!(
                        "From: {} To: {} Subject: invoice {}",
                        nodes[a].label,
                        nodes[b].label,
                        edges.len()
                    )),
                    note: None,
                }
            })
            .collect();
        edges.push((a, b, weight, kind, evidence));
    }

    // Degree, weighted degree and PageRank.
    let mut degree = vec![0.0f64; n];
    let mut weighted = vec![0.0f64; n];
    for (a, b, w, _, _) in &edges {
        degree[*a] += 1.0;
        degree[*b] += 1.0;
        weighted[*a] += w;
        weighted[*b] += w;
    }
    let mut rank = vec![1.0 / n as f64; n];
    for _ in 0..20 {
        let mut next = vec![0.15 / n as f64; n];
        for (a, b, _, _, _) in &edges {
            next[*b] += 0.85 * rank[*a] / degree[*a];
            next[*a] += 0.85 * rank[*b] / degree[*b];
        }
        rank = next;
    }
    for (i, node) in nodes.iter_mut().enumerate() {
        node.metrics.insert("degree".into(), degree[i]);
        node.metrics.insert("weighted".into(), weighted[i]);
        node.metrics.insert("pagerank".into(), rank[i]);
    }
    let edges = edges
        .into_iter()
        .map(|(a, b, weight, kind, evidence)| ViewEdge {
            source: nodes[a].id.clone(),
            target: nodes[b].id.clone(),
            kind: kind.into(),
            directed: kind == "communicates" || kind == "called",
            weight,
            evidence,
        })
        .collect();
    ViewGraph {
        title: format!("Synthetic case graph ({n} entities)"),
        nodes,
        edges,
        notes: vec![
            "synthetic data for benchmarking".into(),
            "pagerank: 20 power iterations".into(),
        ],
    }
}
