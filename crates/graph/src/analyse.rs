//! Analysis over the links between entities: degree, weighted degree, PageRank, betweenness
//! (exact, or sampled on large graphs — and then said so), connected components, Louvain
//! communities, shortest and k-shortest paths, ego networks, shared contacts; and the
//! filters that cut a graph down before export.
//!
//! Indices in this module come from vectors it builds itself with matching lengths, never
//! from input, so it indexes them directly.
#![allow(clippy::indexing_slicing)]

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use petgraph::unionfind::UnionFind;
use rayon::prelude::*;

use crate::model::{Edge, Graph};

/// Which edge kinds count as links between entities. `seen-on` edges (entity → evidence
/// item) are left out by default: two entities found on the same disk are not linked by that.
#[derive(Debug, Clone, Default)]
pub struct EdgeSelect {
    /// Only these kinds (when set).
    pub only: Option<BTreeSet<String>>,
    /// Keep `seen-on` edges too.
    pub seen_on: bool,
}

impl EdgeSelect {
    /// True when edges of `kind` are links.
    pub fn admits(&self, kind: &str) -> bool {
        match &self.only {
            Some(k) => k.contains(kind),
            None => self.seen_on || kind != "seen-on",
        }
    }
}

/// The link structure of a graph: one undirected link per linked pair of nodes, weighted by
/// the sum of its edges' weights; node numbers are the indices of `graph.nodes`.
pub struct Net<'g> {
    /// The graph analysed.
    pub graph: &'g Graph,
    /// Linked pairs (smaller index first), sorted.
    pairs: Vec<(usize, usize)>,
    /// The graph's edges behind pair `i`: `pair_edges[pair_start[i]..pair_start[i + 1]]`, in
    /// edge order.
    pair_start: Vec<usize>,
    pair_edges: Vec<usize>,
    /// Neighbours of each node, sorted, with the link weight.
    adj: Vec<Vec<(usize, f64)>>,
}

/// Result of betweenness centrality.
#[derive(Debug, Clone)]
pub struct Betweenness {
    /// Score per node (pairs of other nodes whose shortest paths pass through it).
    pub scores: Vec<f64>,
    /// When sampled: from how many source nodes (of `of`).
    pub sampled: Option<(usize, usize)>,
}

impl Betweenness {
    /// What the reader must be told when the scores were sampled.
    pub fn note(&self) -> Option<String> {
        self.sampled.map(|(k, n)| {
            format!("betweenness sampled from {k} of {n} source nodes (fixed seed) and scaled")
        })
    }
}

/// Result of community detection.
#[derive(Debug, Clone)]
pub struct Communities {
    /// Community of each node, numbered by size (0 is the largest), ties by first key.
    pub of: Vec<usize>,
    /// Modularity of the partition.
    pub modularity: f64,
}

/// A small deterministic PRNG (xorshift64*), so sampled results repeat run to run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

impl<'g> Net<'g> {
    /// The links of `graph` selected by `sel`.
    pub fn new(graph: &'g Graph, sel: &EdgeSelect) -> Net<'g> {
        let n = graph.nodes.len();
        // (pair, edge) for every admitted edge, sorted: each pair's edges together, in order.
        let mut ends: Vec<((usize, usize), usize)> = Vec::with_capacity(graph.edges.len());
        for (ei, (e, ends_of)) in graph.edges.iter().zip(graph.edge_ends()).enumerate() {
            if !sel.admits(&e.kind) {
                continue;
            }
            let Some((a, b)) = ends_of else {
                continue;
            };
            if a == b {
                continue;
            }
            ends.push(((a.min(b), a.max(b)), ei));
        }
        ends.par_sort_unstable();
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        let mut pair_start: Vec<usize> = Vec::new();
        let pair_edges: Vec<usize> = ends.iter().map(|&(_, ei)| ei).collect();
        for (i, &(k, _)) in ends.iter().enumerate() {
            if pairs.last() != Some(&k) {
                pairs.push(k);
                pair_start.push(i);
            }
        }
        pair_start.push(ends.len());
        drop(ends);
        // Each linked pair with the sum of its edges' weights (in edge order), in pair order
        // so that every result is the same run to run.
        // Each node's list is made with room for exactly its links, and comes out sorted:
        // a node's smaller neighbours come from pairs before all of those with its larger ones,
        // and each in pair order.
        let mut degree = vec![0usize; n];
        for &(a, b) in &pairs {
            degree[a] += 1;
            degree[b] += 1;
        }
        let mut adj: Vec<Vec<(usize, f64)>> =
            degree.iter().map(|&d| Vec::with_capacity(d)).collect();
        drop(degree);
        for (i, &(a, b)) in pairs.iter().enumerate() {
            let w = pair_edges[pair_start[i]..pair_start[i + 1]]
                .iter()
                .fold(0.0, |w, &e| w + graph.edges[e].weight);
            adj[a].push((b, w));
            adj[b].push((a, w));
        }
        debug_assert!(adj.iter().all(|l| l.is_sorted_by_key(|x| x.0)));
        Net {
            graph,
            pairs,
            pair_start,
            pair_edges,
            adj,
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.adj.len()
    }

    /// Number of linked pairs.
    pub fn link_count(&self) -> usize {
        self.pairs.len()
    }

    /// True when the graph has no nodes.
    pub fn is_empty(&self) -> bool {
        self.adj.is_empty()
    }

    /// Neighbours of node `i`, sorted by index, with link weights.
    pub fn neighbours(&self, i: usize) -> &[(usize, f64)] {
        self.adj.get(i).map_or(&[], Vec::as_slice)
    }

    /// The graph's edges between nodes `a` and `b`.
    pub fn edges_between(&self, a: usize, b: usize) -> Vec<&'g Edge> {
        let g: &'g Graph = self.graph;
        let Ok(i) = self.pairs.binary_search(&(a.min(b), a.max(b))) else {
            return Vec::new();
        };
        let (from, to) = (self.pair_start[i], self.pair_start[i + 1]);
        self.pair_edges[from..to]
            .iter()
            .filter_map(|&e| g.edges.get(e))
            .collect()
    }

    /// Distinct linked neighbours of each node.
    pub fn degree(&self) -> Vec<f64> {
        self.adj.iter().map(|l| l.len() as f64).collect()
    }

    /// Sum of link weights of each node.
    pub fn weighted_degree(&self) -> Vec<f64> {
        self.adj
            .iter()
            .map(|l| l.iter().map(|x| x.1).sum())
            .collect()
    }

    /// Weighted PageRank over the undirected links (damping 0.85).
    pub fn pagerank(&self) -> Vec<f64> {
        let n = self.len();
        if n == 0 {
            return Vec::new();
        }
        let d = 0.85;
        let nf = n as f64;
        let k = self.weighted_degree();
        let mut p = vec![1.0 / nf; n];
        for _ in 0..200 {
            let dangling: f64 = (0..n).filter(|&i| k[i] == 0.0).map(|i| p[i]).sum();
            let base = (1.0 - d) / nf + d * dangling / nf;
            let share: Vec<f64> = (0..n)
                .map(|i| if k[i] == 0.0 { 0.0 } else { d * p[i] / k[i] })
                .collect();
            // Links are symmetric, so each node pulls from its neighbours, in index order:
            // the same sums as pushing node by node, and the same on any number of threads.
            let q: Vec<f64> = self
                .adj
                .par_iter()
                .map(|l| l.iter().fold(base, |acc, &(i, w)| acc + share[i] * w))
                .collect();
            let diff: f64 = p.iter().zip(&q).map(|(a, b)| (a - b).abs()).sum();
            p = q;
            if diff < 1e-12 {
                break;
            }
        }
        p
    }

    /// Betweenness centrality over hops (Brandes). Graphs with more than `exact_limit` nodes
    /// are sampled from `samples` source nodes drawn with a fixed seed, and scaled up.
    pub fn betweenness(&self, exact_limit: usize, samples: usize) -> Betweenness {
        let n = self.len();
        let mut sources: Vec<usize> = (0..n).collect();
        let mut sampled = None;
        if n > exact_limit && samples < n {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
            for i in (1..n).rev() {
                let j = (rng.next() % (i as u64 + 1)) as usize;
                sources.swap(i, j);
            }
            sources.truncate(samples.max(1));
            sources.sort_unstable();
            sampled = Some((sources.len(), n));
        }
        // Neighbour lists packed in one array (CSR), 4 bytes a neighbour.
        let mut start: Vec<usize> = Vec::with_capacity(n + 1);
        let mut next: Vec<u32> = Vec::new();
        for l in &self.adj {
            start.push(next.len());
            next.extend(l.iter().map(|&(w, _)| w as u32));
        }
        start.push(next.len());
        // Sources in fixed chunks, each summed in order and the chunks summed in order: the
        // scores do not depend on how many threads ran.
        let parts: Vec<Vec<f64>> = sources
            .par_chunks(8)
            .map(|chunk| brandes(&start, &next, chunk))
            .collect();
        let mut cb = vec![0.0f64; n];
        for p in parts {
            for (x, y) in cb.iter_mut().zip(p) {
                *x += y;
            }
        }
        let scale = match sampled {
            Some((k, n)) => n as f64 / k as f64 / 2.0,
            None => 0.5,
        };
        for x in &mut cb {
            *x *= scale;
        }
        Betweenness {
            scores: cb,
            sampled,
        }
    }

    /// Connected component of each node, numbered by size (0 is the largest).
    pub fn components(&self) -> Vec<usize> {
        let n = self.len();
        let mut sets: UnionFind<usize> = UnionFind::new(n);
        for &(a, b) in &self.pairs {
            sets.union(a, b);
        }
        // Components numbered in order of their lowest node, then by size.
        let mut id_of_root = vec![usize::MAX; n];
        let mut comp = vec![0; n];
        let mut count = 0;
        for (v, c) in comp.iter_mut().enumerate() {
            let root = sets.find_mut(v);
            if id_of_root[root] == usize::MAX {
                id_of_root[root] = count;
                count += 1;
            }
            *c = id_of_root[root];
        }
        renumber_by_size(&comp, count)
    }

    /// Louvain communities (modularity, resolution 1), visiting nodes in key order so the
    /// result repeats exactly.
    pub fn louvain(&self) -> Communities {
        let n0 = self.len();
        let mut member: Vec<usize> = (0..n0).collect();
        // Adjacency as matrix entries (j, A_ij); self-loops carry A_ii.
        let mut cur: Vec<Vec<(usize, f64)>> = self.adj.clone();
        let m2: f64 = cur.iter().flatten().map(|x| x.1).sum();
        if m2 == 0.0 {
            return Communities {
                of: (0..n0).collect(),
                modularity: 0.0,
            };
        }
        loop {
            let n = cur.len();
            let k: Vec<f64> = cur.iter().map(|l| l.iter().map(|x| x.1).sum()).collect();
            let mut comm: Vec<usize> = (0..n).collect();
            let mut tot = k.clone();
            let mut improved = false;
            let mut scratch = vec![0.0f64; n];
            let mut touched: Vec<usize> = Vec::new();
            for _round in 0..100 {
                let mut moved = false;
                for i in 0..n {
                    let ci = comm[i];
                    for &(j, w) in &cur[i] {
                        if j == i {
                            continue;
                        }
                        let c = comm[j];
                        if scratch[c] == 0.0 {
                            touched.push(c);
                        }
                        scratch[c] += w;
                    }
                    tot[ci] -= k[i];
                    let mut best = ci;
                    let mut best_gain = scratch[ci] - tot[ci] * k[i] / m2;
                    touched.sort_unstable();
                    for &c in &touched {
                        let gain = scratch[c] - tot[c] * k[i] / m2;
                        if gain > best_gain + 1e-12 {
                            best = c;
                            best_gain = gain;
                        }
                    }
                    for &c in &touched {
                        scratch[c] = 0.0;
                    }
                    touched.clear();
                    tot[best] += k[i];
                    if best != ci {
                        comm[i] = best;
                        moved = true;
                        improved = true;
                    }
                }
                if !moved {
                    break;
                }
            }
            if !improved {
                break;
            }
            // Renumber the communities in order of first member and aggregate.
            let mut id = vec![usize::MAX; n];
            let mut next = 0;
            for &c in &comm {
                if id[c] == usize::MAX {
                    id[c] = next;
                    next += 1;
                }
            }
            for m in &mut member {
                *m = id[comm[*m]];
            }
            let mut agg: Vec<BTreeMap<usize, f64>> = vec![BTreeMap::new(); next];
            for (i, l) in cur.iter().enumerate() {
                let ci = id[comm[i]];
                for &(j, w) in l {
                    *agg[ci].entry(id[comm[j]]).or_default() += w;
                }
            }
            cur = agg.into_iter().map(|m| m.into_iter().collect()).collect();
            if next == n {
                break;
            }
        }
        // Modularity of the final partition.
        let count = member.iter().max().map_or(0, |m| m + 1);
        let mut inside = vec![0.0f64; count];
        let mut tot = vec![0.0f64; count];
        for (i, l) in self.adj.iter().enumerate() {
            for &(j, w) in l {
                tot[member[i]] += w;
                if member[i] == member[j] {
                    inside[member[i]] += w;
                }
            }
        }
        let modularity = (0..count)
            .map(|c| inside[c] / m2 - (tot[c] / m2).powi(2))
            .sum();
        Communities {
            of: renumber_by_size(&member, count),
            modularity,
        }
    }

    /// Shortest path by hops from `a` to `b`, avoiding `banned` nodes and links; ties go to
    /// the lower node index.
    fn bfs_path(
        &self,
        a: usize,
        b: usize,
        banned: &BTreeSet<usize>,
        cut: &BTreeSet<(usize, usize)>,
    ) -> Option<Vec<usize>> {
        let n = self.len();
        if a >= n || b >= n {
            return None;
        }
        let mut prev = vec![usize::MAX; n];
        let mut seen = vec![false; n];
        seen[a] = true;
        let mut q = VecDeque::from([a]);
        while let Some(v) = q.pop_front() {
            if v == b {
                let mut path = vec![b];
                let mut x = b;
                while x != a {
                    x = prev[x];
                    path.push(x);
                }
                path.reverse();
                return Some(path);
            }
            for &(w, _) in &self.adj[v] {
                if seen[w] || banned.contains(&w) || cut.contains(&(v.min(w), v.max(w))) {
                    continue;
                }
                seen[w] = true;
                prev[w] = v;
                q.push_back(w);
            }
        }
        None
    }

    /// Up to `k` shortest loopless paths from `a` to `b` by hops (Yen's algorithm).
    pub fn paths(&self, a: usize, b: usize, k: usize) -> Vec<Vec<usize>> {
        let mut found: Vec<Vec<usize>> = Vec::new();
        let Some(first) = self.bfs_path(a, b, &BTreeSet::new(), &BTreeSet::new()) else {
            return found;
        };
        found.push(first);
        let mut candidates: BTreeSet<(usize, Vec<usize>)> = BTreeSet::new();
        while found.len() < k {
            let Some(prev) = found.last().cloned() else {
                break;
            };
            for i in 0..prev.len().saturating_sub(1) {
                let spur = prev[i];
                let root = &prev[..=i];
                let mut cut = BTreeSet::new();
                for p in &found {
                    if p.len() > i + 1 && &p[..=i] == root {
                        cut.insert((p[i].min(p[i + 1]), p[i].max(p[i + 1])));
                    }
                }
                let banned: BTreeSet<usize> = root[..i].iter().copied().collect();
                if let Some(sp) = self.bfs_path(spur, b, &banned, &cut) {
                    let mut total = root[..i].to_vec();
                    total.extend(sp);
                    if !found.contains(&total) {
                        candidates.insert((total.len(), total));
                    }
                }
            }
            match candidates.pop_first() {
                Some((_, p)) => found.push(p),
                None => break,
            }
        }
        found
    }

    /// Nodes within `depth` hops of `x` (including `x`), sorted.
    pub fn ego(&self, x: usize, depth: usize) -> Vec<usize> {
        let n = self.len();
        if x >= n {
            return Vec::new();
        }
        let mut dist = vec![usize::MAX; n];
        dist[x] = 0;
        let mut q = VecDeque::from([x]);
        let mut out = vec![x];
        while let Some(v) = q.pop_front() {
            if dist[v] >= depth {
                continue;
            }
            for &(w, _) in &self.adj[v] {
                if dist[w] == usize::MAX {
                    dist[w] = dist[v] + 1;
                    out.push(w);
                    q.push_back(w);
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Nodes linked to both `a` and `b`, sorted.
    pub fn common(&self, a: usize, b: usize) -> Vec<usize> {
        let na: BTreeSet<usize> = self.neighbours(a).iter().map(|x| x.0).collect();
        self.neighbours(b)
            .iter()
            .map(|x| x.0)
            .filter(|x| na.contains(x) && *x != a && *x != b)
            .collect()
    }
}

/// Renumbers group ids so 0 is the largest group; ties go to the group whose first member
/// comes first.
/// Brandes' accumulation from each of `sources` over the CSR graph `start`/`next`: the
/// (unscaled) betweenness each node gets from these sources.
fn brandes(start: &[usize], next: &[u32], sources: &[usize]) -> Vec<f64> {
    let n = start.len().saturating_sub(1);
    let neighbours = |v: usize| &next[start[v]..start[v + 1]];
    let mut cb = vec![0.0f64; n];
    let mut sigma = vec![0.0f64; n];
    let mut dist = vec![-1i32; n];
    let mut delta = vec![0.0f64; n];
    let mut order: Vec<u32> = Vec::with_capacity(n);
    for &s in sources {
        for &v in &order {
            let v = v as usize;
            sigma[v] = 0.0;
            dist[v] = -1;
            delta[v] = 0.0;
        }
        order.clear();
        sigma[s] = 1.0;
        dist[s] = 0;
        order.push(s as u32);
        // Breadth first; `order` is the queue and, afterwards, the nodes by distance.
        let mut head = 0;
        while let Some(&v) = order.get(head) {
            head += 1;
            let v = v as usize;
            let (dv, sv) = (dist[v], sigma[v]);
            for &w in neighbours(v) {
                let w = w as usize;
                if dist[w] < 0 {
                    dist[w] = dv + 1;
                    order.push(w as u32);
                }
                if dist[w] == dv + 1 {
                    sigma[w] += sv;
                }
            }
        }
        // Back from the farthest: a node's predecessors are its neighbours one hop nearer.
        for &w in order.iter().rev() {
            let w = w as usize;
            let dw = dist[w];
            let coeff = (1.0 + delta[w]) / sigma[w];
            for &v in neighbours(w) {
                let v = v as usize;
                if dist[v] == dw - 1 {
                    delta[v] += sigma[v] * coeff;
                }
            }
            if w != s {
                cb[w] += delta[w];
            }
        }
    }
    cb
}

fn renumber_by_size(of: &[usize], count: usize) -> Vec<usize> {
    let mut size = vec![0usize; count];
    let mut first = vec![usize::MAX; count];
    for (i, &c) in of.iter().enumerate() {
        size[c] += 1;
        first[c] = first[c].min(i);
    }
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by(|&a, &b| size[b].cmp(&size[a]).then(first[a].cmp(&first[b])));
    let mut new = vec![0; count];
    for (rank, &c) in order.iter().enumerate() {
        new[c] = rank;
    }
    of.iter().map(|&c| new[c]).collect()
}

/// What to keep of a graph before exporting or viewing it.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only nodes of these kinds.
    pub node_kinds: Option<BTreeSet<String>>,
    /// Only edges of these kinds.
    pub edge_kinds: Option<BTreeSet<String>>,
    /// Only edges at least this heavy.
    pub min_weight: f64,
    /// Only the ego network of this node key, to this depth.
    pub ego: Option<(String, usize)>,
    /// Only this community (as numbered by [`Net::louvain`] on the whole graph).
    pub community: Option<usize>,
    /// Drop nodes left without edges.
    pub drop_isolated: bool,
}

impl Filter {
    /// True when the filter keeps everything.
    pub fn is_empty(&self) -> bool {
        self.node_kinds.is_none()
            && self.edge_kinds.is_none()
            && self.min_weight <= 0.0
            && self.ego.is_none()
            && self.community.is_none()
            && !self.drop_isolated
    }
}

/// Applies `f` to `g` (links for ego and communities as selected by `sel`). The result
/// notes the filter.
pub fn filter<'g>(g: &'g Graph, f: &Filter, sel: &EdgeSelect) -> Cow<'g, Graph> {
    if f.is_empty() {
        return Cow::Borrowed(g);
    }
    let mut keep: Vec<bool> = g
        .nodes
        .iter()
        .map(|n| f.node_kinds.as_ref().is_none_or(|k| k.contains(&n.kind)))
        .collect();
    let mut notes = Vec::new();
    if f.ego.is_some() || f.community.is_some() {
        let net = Net::new(g, sel);
        if let Some((x, depth)) = &f.ego {
            let set: BTreeSet<usize> = g
                .index_of(x)
                .map(|i| net.ego(i, *depth))
                .unwrap_or_default()
                .into_iter()
                .collect();
            for (i, k) in keep.iter_mut().enumerate() {
                *k &= set.contains(&i);
            }
            notes.push(format!("filtered: ego network of {x}, depth {depth}"));
        }
        if let Some(c) = f.community {
            let comm = net.louvain();
            for (i, k) in keep.iter_mut().enumerate() {
                *k &= comm.of.get(i) == Some(&c);
            }
            notes.push(format!("filtered: community {c}"));
        }
    }
    let kept: BTreeSet<&str> = g
        .nodes
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(n, _)| n.key.as_str())
        .collect();
    let edges: Vec<Edge> = g
        .edges
        .iter()
        .filter(|e| {
            kept.contains(e.source.as_str())
                && kept.contains(e.target.as_str())
                && e.weight >= f.min_weight
                && f.edge_kinds.as_ref().is_none_or(|k| k.contains(&e.kind))
        })
        .cloned()
        .collect();
    let used: BTreeSet<&str> = edges
        .iter()
        .flat_map(|e| [e.source.as_str(), e.target.as_str()])
        .collect();
    let mut out = Graph {
        nodes: g
            .nodes
            .iter()
            .filter(|n| {
                kept.contains(n.key.as_str()) && (!f.drop_isolated || used.contains(n.key.as_str()))
            })
            .cloned()
            .collect(),
        edges,
        format: g.format.clone(),
        version: g.version,
        inputs: g.inputs.clone(),
        settings: g.settings.clone(),
        records: Vec::new(),
        mentions: Vec::new(),
        removed: g.removed.clone(),
        notes: g.notes.clone(),
    };
    out.cite_from(&g.records, &g.mentions);
    if let Some(k) = &f.node_kinds {
        notes.push(format!(
            "filtered: node kinds {}",
            k.iter().cloned().collect::<Vec<_>>().join(",")
        ));
    }
    if let Some(k) = &f.edge_kinds {
        notes.push(format!(
            "filtered: edge kinds {}",
            k.iter().cloned().collect::<Vec<_>>().join(",")
        ));
    }
    if f.min_weight > 0.0 {
        notes.push(format!("filtered: edges of weight ≥ {}", f.min_weight));
    }
    out.notes.extend(notes);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::Node;

    fn graph(pairs: &[(&str, &str)]) -> Graph {
        let mut keys: BTreeSet<String> = BTreeSet::new();
        for (a, b) in pairs {
            keys.insert(format!("x:{a}"));
            keys.insert(format!("x:{b}"));
        }
        let mut g = Graph::new();
        g.nodes = keys
            .iter()
            .map(|k| Node {
                key: k.clone(),
                kind: "x".into(),
                label: k[2..].to_string(),
                ..Node::default()
            })
            .collect();
        g.edges = pairs
            .iter()
            .map(|(a, b)| Edge {
                source: format!("x:{a}"),
                target: format!("x:{b}"),
                kind: "co-occurs".into(),
                weight: 1.0,
                count: 1,
                ..Edge::default()
            })
            .collect();
        g
    }

    #[test]
    fn pagerank_matches_networkx_with_weights_and_a_dangling_node() {
        let mut g = graph(&[("a", "b"), ("a", "c"), ("b", "c"), ("c", "d"), ("d", "e")]);
        for (e, w) in g.edges.iter_mut().zip([1.0, 2.0, 1.0, 3.0, 1.0]) {
            e.weight = w;
        }
        g.nodes.push(Node {
            key: "x:f".into(),
            kind: "x".into(),
            label: "f".into(),
            ..Node::default()
        });
        let pr = Net::new(&g, &EdgeSelect::default()).pagerank();
        // networkx 3 `_pagerank_python(G, alpha=0.85, weight="weight", tol=1e-15)`.
        let want = [
            0.17996684256271078,
            0.12827804822287847,
            0.3399616181497235,
            0.24209572278781086,
            0.08057155468464319,
            0.02912621359223301,
        ];
        assert_eq!(pr.len(), want.len());
        for (i, (got, want)) in pr.iter().zip(want).enumerate() {
            assert!((got - want).abs() < 1e-9, "node {i}: {got} against {want}");
        }
    }

    #[test]
    fn path_graph_centrality() {
        // a - b - c - d: betweenness of b and c is 2 (pairs a-c, a-d / a-d, b-d).
        let g = graph(&[("a", "b"), ("b", "c"), ("c", "d")]);
        let net = Net::new(&g, &EdgeSelect::default());
        let b = net.betweenness(1000, 10);
        assert_eq!(b.scores, vec![0.0, 2.0, 2.0, 0.0]);
        assert!(b.sampled.is_none());
        assert_eq!(net.degree(), vec![1.0, 2.0, 2.0, 1.0]);
        let pr = net.pagerank();
        assert!((pr.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(pr[1] > pr[0]);
        assert_eq!(net.paths(0, 3, 3), vec![vec![0, 1, 2, 3]]);
        assert_eq!(net.ego(0, 2), vec![0, 1, 2]);
    }

    #[test]
    fn two_cliques_two_communities() {
        let g = graph(&[
            ("a", "b"),
            ("a", "c"),
            ("b", "c"),
            ("d", "e"),
            ("d", "f"),
            ("e", "f"),
            ("c", "d"),
        ]);
        let net = Net::new(&g, &EdgeSelect::default());
        let c = net.louvain();
        assert_eq!(c.of, vec![0, 0, 0, 1, 1, 1]);
        // networkx: modularity of {a,b,c},{d,e,f} on this graph is 5/14 ≈ 0.3571.
        assert!(
            (c.modularity - 0.357_142_857).abs() < 1e-6,
            "{}",
            c.modularity
        );
        assert_eq!(net.components(), vec![0; 6]);
        assert_eq!(net.common(0, 1), vec![2]);
    }

    #[test]
    fn k_shortest() {
        // A square a-b-d, a-c-d plus a long way a-e-f-d.
        let g = graph(&[
            ("a", "b"),
            ("b", "d"),
            ("a", "c"),
            ("c", "d"),
            ("a", "e"),
            ("e", "f"),
            ("f", "d"),
        ]);
        let net = Net::new(&g, &EdgeSelect::default());
        let p = net.paths(0, 3, 5);
        assert_eq!(p, vec![vec![0, 1, 3], vec![0, 2, 3], vec![0, 4, 5, 3]]);
    }
}
