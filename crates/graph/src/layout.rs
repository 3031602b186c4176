//! Deterministic force-directed layout: Fruchterman–Reingold repulsion computed with a
//! Barnes–Hut quadtree and LinLog attraction (logarithmic in the distance, which separates
//! communities better than FR's quadratic pull), each connected component laid out on its own and the components packed
//! into rows so that they never overlap.
//!
//! There is no randomness: starting positions come from a hash of each node's key, and every
//! loop runs in index order, so the same input gives the same positions, bit for bit.

/// A position in layout space (arbitrary units; the ideal edge length is 1).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// Horizontal coordinate.
    pub x: f64,
    /// Vertical coordinate (grows downwards on screen).
    pub y: f64,
}

/// Tuning of [`layout`].
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutConfig {
    /// Iterations for each component; 0 chooses a number from the component's size.
    pub iterations: usize,
    /// Barnes–Hut opening criterion: a quadtree cell of width `w` at distance `d` is treated
    /// as one body when `w / d < theta`. Larger is faster and coarser.
    pub theta: f64,
    /// Pull of every node towards its component's centre, relative to the repulsion.
    pub gravity: f64,
}

impl Default for LayoutConfig {
    fn default() -> Self {
        LayoutConfig {
            iterations: 0,
            theta: 1.0,
            gravity: 0.05,
        }
    }
}

/// Ideal edge length.
const K: f64 = 1.0;
/// Deepest quadtree level; bodies still sharing a cell there form one leaf.
const MAX_DEPTH: usize = 24;
/// Cells with at most this many bodies are leaves, their bodies visited one by one.
const LEAF_BODIES: usize = 4;
/// Empty space between packed components, in units of the ideal edge length.
const GAP: f64 = 2.0;
/// Attraction scale making repulsion and attraction balance at the ideal edge length.
const LINLOG: f64 = std::f64::consts::LOG2_E;

/// Lays out `keys.len()` nodes joined by `edges` (`(source, target, weight)` as indices into
/// `keys`) and returns one position per key, in the same order.
///
/// Edges whose endpoints are out of range, self-loops and non-positive or non-finite weights
/// are ignored for attraction (the nodes still appear). Keys seed the starting positions.
pub fn layout(keys: &[&str], edges: &[(usize, usize, f64)], config: &LayoutConfig) -> Vec<Point> {
    let n = keys.len();
    let valid = |&&(u, v, _): &&(usize, usize, f64)| u < n && v < n && u != v;

    // Connected components by union-find, numbered in order of their lowest node index.
    let mut parent: Vec<usize> = (0..n).collect();
    for &(u, v, _) in edges.iter().filter(valid) {
        let (ru, rv) = (find(&mut parent, u), find(&mut parent, v));
        if ru != rv {
            let (lo, hi) = if ru < rv { (ru, rv) } else { (rv, ru) };
            if let Some(p) = parent.get_mut(hi) {
                *p = lo;
            }
        }
    }
    let mut comp_of = vec![usize::MAX; n];
    let mut local = vec![0usize; n];
    let mut members: Vec<Vec<usize>> = Vec::new();
    for i in 0..n {
        let root = find(&mut parent, i);
        let c = match comp_of.get(root).copied() {
            Some(c) if c != usize::MAX => c,
            _ => {
                members.push(Vec::new());
                members.len() - 1
            }
        };
        if let Some(slot) = comp_of.get_mut(i) {
            *slot = c;
        }
        if let Some(slot) = comp_of.get_mut(root) {
            *slot = c;
        }
        if let Some(m) = members.get_mut(c) {
            if let Some(slot) = local.get_mut(i) {
                *slot = m.len();
            }
            m.push(i);
        }
    }
    let mut comp_edges: Vec<Vec<(usize, usize, f64)>> = vec![Vec::new(); members.len()];
    for &(u, v, w) in edges.iter().filter(valid) {
        let (Some(&c), Some(&lu), Some(&lv)) = (comp_of.get(u), local.get(u), local.get(v)) else {
            continue;
        };
        if let Some(list) = comp_edges.get_mut(c) {
            list.push((lu, lv, w));
        }
    }

    // Lay out each component around its own origin.
    let mut placed: Vec<Vec<Point>> = Vec::with_capacity(members.len());
    for (m, es) in members.iter().zip(&comp_edges) {
        let seeds: Vec<u64> = m
            .iter()
            .map(|&i| keys.get(i).map_or(0, |k| hash_key(k)))
            .collect();
        placed.push(layout_component(&seeds, es, config));
    }

    // Pack the components, largest first, in rows of a roughly square total area.
    let boxes: Vec<[f64; 4]> = placed.iter().map(|p| bounds(p)).collect();
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(members.get(c).map_or(0, Vec::len)), c));
    let area: f64 = boxes
        .iter()
        .map(|b| (b[2] - b[0] + GAP) * (b[3] - b[1] + GAP))
        .sum();
    let widest = boxes.iter().map(|b| b[2] - b[0]).fold(0.0, f64::max);
    let row_width = widest.max(area.sqrt() * 1.2);
    let (mut x, mut y, mut row_h) = (0.0f64, 0.0f64, 0.0f64);
    let mut first_row = true;
    let mut out = vec![Point::default(); n];
    for c in order {
        let (Some(b), Some(pts), Some(m)) = (boxes.get(c), placed.get(c), members.get(c)) else {
            continue;
        };
        let (w, h) = (b[2] - b[0], b[3] - b[1]);
        // The largest component gets the first row to itself; the rest fill rows below it.
        if x > 0.0 && (x + w > row_width || first_row) {
            first_row = false;
            y += row_h + GAP;
            x = 0.0;
            row_h = 0.0;
        }
        for (&i, p) in m.iter().zip(pts) {
            if let Some(slot) = out.get_mut(i) {
                *slot = Point {
                    x: p.x - b[0] + x,
                    y: p.y - b[1] + y,
                };
            }
        }
        x += w + GAP;
        row_h = row_h.max(h);
    }
    out
}

/// Union-find root with path halving.
fn find(parent: &mut [usize], mut i: usize) -> usize {
    loop {
        let p = parent.get(i).copied().unwrap_or(i);
        if p == i {
            return i;
        }
        let gp = parent.get(p).copied().unwrap_or(p);
        if let Some(slot) = parent.get_mut(i) {
            *slot = gp;
        }
        i = gp;
    }
}

/// `[min_x, min_y, max_x, max_y]` of the points (all zero when empty).
fn bounds(points: &[Point]) -> [f64; 4] {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for p in points {
        b = [b[0].min(p.x), b[1].min(p.y), b[2].max(p.x), b[3].max(p.y)];
    }
    if points.is_empty() { [0.0; 4] } else { b }
}

/// FNV-1a over the key, finished with a SplitMix64 step for good low bits.
fn hash_key(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    splitmix(h)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform number in `[0, 1)` from the top 53 bits.
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Lays out one connected component (local indices) around the origin.
fn layout_component(
    seeds: &[u64],
    edges: &[(usize, usize, f64)],
    config: &LayoutConfig,
) -> Vec<Point> {
    let n = seeds.len();
    if n <= 1 {
        return vec![Point::default(); n];
    }
    let radius = (n as f64).sqrt() * K;
    let mut pos: Vec<Point> = seeds
        .iter()
        .map(|&h| {
            let r = radius * unit(h).sqrt();
            let a = std::f64::consts::TAU * unit(splitmix(h));
            Point {
                x: r * a.cos(),
                y: r * a.sin(),
            }
        })
        .collect();
    let iterations = if config.iterations > 0 {
        config.iterations
    } else if n < 1000 {
        300
    } else {
        150
    };
    let edges: Vec<(usize, usize, f64)> = edges
        .iter()
        .filter(|e| e.2.is_finite() && e.2 > 0.0)
        .map(|&(u, v, w)| (u, v, (1.0 + w.ln().max(0.0)).min(3.0)))
        .collect();
    let t0 = radius * 0.1 + K;
    let theta2 = config.theta * config.theta;
    let mut disp = vec![Point::default(); n];
    let mut tree = QuadTree::default();
    for it in 0..iterations {
        let frac = it as f64 / iterations as f64;
        let temp = t0 * (1.0 - frac) * (1.0 - frac) + 0.02 * K;
        tree.build(&pos);
        let (mut cx, mut cy) = (0.0, 0.0);
        for p in &pos {
            cx += p.x;
            cy += p.y;
        }
        let (cx, cy) = (cx / n as f64, cy / n as f64);
        for (i, (d, p)) in disp.iter_mut().zip(&pos).enumerate() {
            let (fx, fy) = tree.repulsion(i, *p, &pos, theta2);
            *d = Point {
                x: fx - config.gravity * (p.x - cx),
                y: fy - config.gravity * (p.y - cy),
            };
        }
        for &(u, v, w) in &edges {
            let (Some(&pu), Some(&pv)) = (pos.get(u), pos.get(v)) else {
                continue;
            };
            let (dx, dy) = (pu.x - pv.x, pu.y - pv.y);
            let dist = (dx * dx + dy * dy).sqrt();
            // LinLog attraction: weak on long edges, so communities pull apart.
            let f = if dist > 0.0 {
                (1.0 + dist / K).ln() * LINLOG * w / dist
            } else {
                0.0
            };
            if let Some(d) = disp.get_mut(u) {
                d.x -= dx * f;
                d.y -= dy * f;
            }
            if let Some(d) = disp.get_mut(v) {
                d.x += dx * f;
                d.y += dy * f;
            }
        }
        for (p, d) in pos.iter_mut().zip(&disp) {
            let len = (d.x * d.x + d.y * d.y).sqrt();
            if len > 0.0 && len.is_finite() {
                let step = len.min(temp) / len;
                p.x += d.x * step;
                p.y += d.y * step;
            }
        }
    }
    pos
}

/// One quadtree cell, stored in pre-order: its first child (if any) follows it, and `skip`
/// is the index just past its subtree, so traversal needs neither recursion nor child lists.
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// Centre of mass.
    cx: f64,
    cy: f64,
    mass: f64,
    /// Width of the cell.
    size: f64,
    skip: usize,
    /// Bodies of the cell: `order[lo..hi]`.
    lo: usize,
    hi: usize,
    leaf: bool,
}

/// Barnes–Hut quadtree over the current positions.
#[derive(Debug, Default)]
struct QuadTree {
    cells: Vec<Cell>,
    order: Vec<usize>,
    scratch: Vec<usize>,
}

impl QuadTree {
    fn build(&mut self, pos: &[Point]) {
        self.cells.clear();
        self.order.clear();
        self.order.extend(0..pos.len());
        let b = bounds(pos);
        let size = (b[2] - b[0]).max(b[3] - b[1]).max(1e-9) * 1.000_001;
        self.build_cell(pos, 0, pos.len(), b[0], b[1], size, 0);
    }

    #[allow(clippy::too_many_arguments)]
    fn build_cell(
        &mut self,
        pos: &[Point],
        lo: usize,
        hi: usize,
        x0: f64,
        y0: f64,
        size: f64,
        depth: usize,
    ) {
        let (mut mx, mut my) = (0.0, 0.0);
        let bodies = self.order.get(lo..hi).unwrap_or(&[]);
        for p in bodies.iter().filter_map(|&i| pos.get(i)) {
            mx += p.x;
            my += p.y;
        }
        let mass = bodies.len() as f64;
        let index = self.cells.len();
        let leaf = hi - lo <= LEAF_BODIES || depth >= MAX_DEPTH;
        self.cells.push(Cell {
            cx: mx / mass.max(1.0),
            cy: my / mass.max(1.0),
            mass,
            size,
            skip: index + 1,
            lo,
            hi,
            leaf,
        });
        if leaf {
            return;
        }
        let half = size / 2.0;
        let (midx, midy) = (x0 + half, y0 + half);
        let quadrant = |p: &Point| usize::from(p.x >= midx) + 2 * usize::from(p.y >= midy);
        let mut starts = [lo; 5];
        self.scratch.clear();
        for q in 0..4 {
            if let Some(s) = starts.get_mut(q) {
                *s = lo + self.scratch.len();
            }
            for &i in self.order.get(lo..hi).unwrap_or(&[]) {
                if pos.get(i).map(quadrant) == Some(q) {
                    self.scratch.push(i);
                }
            }
        }
        starts[4] = hi;
        if let Some(dst) = self.order.get_mut(lo..hi)
            && dst.len() == self.scratch.len()
        {
            dst.copy_from_slice(&self.scratch);
        }
        for (q, w) in starts.windows(2).enumerate() {
            let [a, b] = *w else { continue };
            if b > a {
                let qx = x0 + if q % 2 == 1 { half } else { 0.0 };
                let qy = y0 + if q >= 2 { half } else { 0.0 };
                self.build_cell(pos, a, b, qx, qy, half, depth + 1);
            }
        }
        let end = self.cells.len();
        if let Some(c) = self.cells.get_mut(index) {
            c.skip = end;
        }
    }

    /// Repulsive force on body `i` at `p` from every other body.
    fn repulsion(&self, i: usize, p: Point, pos: &[Point], theta2: f64) -> (f64, f64) {
        let (mut fx, mut fy) = (0.0, 0.0);
        let mut c = 0;
        while let Some(cell) = self.cells.get(c) {
            let (dx, dy) = (p.x - cell.cx, p.y - cell.cy);
            let d2 = dx * dx + dy * dy;
            if cell.leaf {
                for &j in self.order.get(cell.lo..cell.hi).unwrap_or(&[]) {
                    if j == i {
                        continue;
                    }
                    let Some(q) = pos.get(j) else { continue };
                    let (mut dx, mut dy) = (p.x - q.x, p.y - q.y);
                    let mut d2 = dx * dx + dy * dy;
                    if d2 < 1e-12 {
                        // Coincident bodies: push apart along a direction fixed by index.
                        dx = if i < j { -1e-3 } else { 1e-3 };
                        dy = 0.0;
                        d2 = 1e-6;
                    }
                    fx += dx * K * K / d2;
                    fy += dy * K * K / d2;
                }
                c = cell.skip;
            } else if cell.size * cell.size < theta2 * d2 {
                fx += dx * K * K * cell.mass / d2;
                fy += dy * K * K * cell.mass / d2;
                c = cell.skip;
            } else {
                c += 1;
            }
        }
        (fx, fy)
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;

    fn ring(n: usize) -> (Vec<String>, Vec<(usize, usize, f64)>) {
        let keys = (0..n).map(|i| format!("n{i}")).collect();
        let edges = (0..n).map(|i| (i, (i + 1) % n, 1.0)).collect();
        (keys, edges)
    }

    #[test]
    fn deterministic_and_finite() {
        let (keys, edges) = ring(200);
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let a = layout(&refs, &edges, &LayoutConfig::default());
        let b = layout(&refs, &edges, &LayoutConfig::default());
        assert_eq!(a.len(), 200);
        assert!(a.iter().all(|p| p.x.is_finite() && p.y.is_finite()));
        assert!(
            a.iter()
                .zip(&b)
                .all(|(p, q)| p.x.to_bits() == q.x.to_bits() && p.y.to_bits() == q.y.to_bits())
        );
    }

    #[test]
    fn neighbours_end_up_closer_than_strangers() {
        let (keys, edges) = ring(100);
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let p = layout(&refs, &edges, &LayoutConfig::default());
        let dist =
            |a: usize, b: usize| ((p[a].x - p[b].x).powi(2) + (p[a].y - p[b].y).powi(2)).sqrt();
        let near: f64 = (0..100).map(|i| dist(i, (i + 1) % 100)).sum::<f64>() / 100.0;
        let far: f64 = (0..100).map(|i| dist(i, (i + 50) % 100)).sum::<f64>() / 100.0;
        assert!(far > 5.0 * near, "near {near}, far {far}");
    }

    #[test]
    fn components_do_not_overlap() {
        // Two triangles and three isolated nodes; bad edges are ignored.
        let keys = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        let edges = [
            (0, 1, 1.0),
            (1, 2, 1.0),
            (2, 0, 1.0),
            (3, 4, 1.0),
            (4, 5, 1.0),
            (5, 3, 1.0),
            (7, 99, 1.0),
            (8, 8, 1.0),
        ];
        let p = layout(&keys, &edges, &LayoutConfig::default());
        assert_eq!(p.len(), 9);
        let first = bounds(&p[0..3]);
        let second = bounds(&p[3..6]);
        let disjoint = first[2] < second[0]
            || second[2] < first[0]
            || first[3] < second[1]
            || second[3] < first[1];
        assert!(disjoint, "{first:?} {second:?}");
        for i in 6..9 {
            for j in 0..9 {
                if i != j {
                    let d = ((p[i].x - p[j].x).powi(2) + (p[i].y - p[j].y).powi(2)).sqrt();
                    assert!(d > 0.5, "{i} and {j} at {d}");
                }
            }
        }
    }

    #[test]
    fn empty_and_single() {
        assert!(layout(&[], &[], &LayoutConfig::default()).is_empty());
        assert_eq!(
            layout(&["x"], &[(0, 0, 1.0)], &LayoutConfig::default()),
            vec![Point::default()]
        );
    }
}
