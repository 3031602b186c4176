// peel graph viewer: reads the embedded graph, draws it with WebGL (Canvas 2D as fallback)
// and explains every link with its evidence. All data is treated as hostile: it is only ever
// inserted with textContent or drawn on a canvas, never parsed as HTML.
(function () {
  'use strict';

  var body = document.body;
  var params = new URLSearchParams(location.hash.replace(/^#/, ''));
  var dataText = document.getElementById('graph-data').textContent || '{}';
  var G = JSON.parse(dataText);
  var nodes = Array.isArray(G.nodes) ? G.nodes : [];
  var rawEdges = Array.isArray(G.edges) ? G.edges : [];
  var pos = Array.isArray(G.pos) ? G.pos : [];
  var N = nodes.length;

  // ---------------------------------------------------------------- data
  var X = new Float32Array(N), Y = new Float32Array(N);
  for (var i = 0; i < N; i++) {
    X[i] = +pos[2 * i] || 0;
    Y[i] = +pos[2 * i + 1] || 0;
  }
  var edges = [];
  for (var k = 0; k < rawEdges.length; k++) {
    var re = rawEdges[k];
    if (re && re.s >= 0 && re.s < N && re.t >= 0 && re.t < N) { edges.push(re); }
  }
  var E = edges.length;
  var S = new Int32Array(E), T = new Int32Array(E), W = new Float64Array(E);
  for (var e = 0; e < E; e++) {
    S[e] = edges[e].s | 0;
    T[e] = edges[e].t | 0;
    W[e] = typeof edges[e].weight === 'number' ? edges[e].weight : 0;
  }

  // Adjacency in compressed rows: the edges of node i are adjList[adjStart[i] .. adjStart[i+1]].
  var adjStart = new Int32Array(N + 1), adjList = new Int32Array(2 * E);
  for (e = 0; e < E; e++) { adjStart[S[e] + 1]++; if (T[e] !== S[e]) { adjStart[T[e] + 1]++; } }
  for (i = 0; i < N; i++) { adjStart[i + 1] += adjStart[i]; }
  var fillAt = adjStart.slice(0, N);
  for (e = 0; e < E; e++) {
    adjList[fillAt[S[e]]++] = e;
    if (T[e] !== S[e]) { adjList[fillAt[T[e]]++] = e; }
  }

  function str(v) { return v === null || v === undefined ? '' : String(v); }

  function categories(values) {
    var index = new Map(), names = [], counts = [];
    var of = new Int32Array(values.length);
    for (var j = 0; j < values.length; j++) {
      var v = values[j];
      var c = index.get(v);
      if (c === undefined) { c = names.length; index.set(v, c); names.push(v); counts.push(0); }
      counts[c]++;
      of[j] = c;
    }
    var order = names.map(function (_, c) { return c; });
    order.sort(function (a, b) { return counts[b] - counts[a] || (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0); });
    return { names: names, counts: counts, of: of, order: order, index: index };
  }

  var kinds = categories(nodes.map(function (n) { return str(n.kind) || 'unknown'; }));
  var ekinds = categories(edges.map(function (ed) { return str(ed.kind) || 'link'; }));
  var labels = nodes.map(function (n) { return str(n.label) || str(n.id); });
  var labelLC = labels.map(function (s) { return s.toLowerCase(); });
  var idLC = nodes.map(function (n) { return str(n.id).toLowerCase(); });
  var shortLabel = labels.map(function (s) { return s.length > 34 ? s.slice(0, 33) + '\u2026' : s; });
  var idIndex = new Map();
  nodes.forEach(function (n, j) { if (!idIndex.has(str(n.id))) { idIndex.set(str(n.id), j); } });

  var metricSet = new Set();
  nodes.forEach(function (n) { if (n.metrics) { Object.keys(n.metrics).forEach(function (m) { metricSet.add(m); }); } });
  var metricKeys = Array.from(metricSet).sort();
  function metric(j, key) {
    var m = nodes[j].metrics;
    var v = m ? m[key] : undefined;
    return typeof v === 'number' && isFinite(v) ? v : null;
  }

  var hasCommunity = nodes.some(function (n) { return typeof n.community === 'number'; });
  var comms = categories(nodes.map(function (n) { return typeof n.community === 'number' ? n.community : -1; }));
  var commRank = new Int32Array(comms.names.length);
  var rank = 0;
  comms.order.forEach(function (c) { commRank[c] = comms.names[c] === -1 ? -1 : rank++; });

  // ---------------------------------------------------------------- colours
  var BG = [13, 17, 23];
  var KIND_COLOURS = {
    email: '#58a6ff', phone: '#3fb950', domain: '#bc8cff', host: '#a371f7', ip: '#ff7b72',
    handle: '#ffa657', wallet: '#f0b429', card: '#f778ba', iban: '#e3b341', file: '#8b949e',
    evidence: '#c9d1d9', location: '#56d4dd', url: '#79c0ff', person: '#7ee787', organisation: '#d2a8ff'
  };
  var PALETTE = [
    '#58a6ff', '#3fb950', '#f0b429', '#ff7b72', '#bc8cff', '#56d4dd', '#ffa657', '#f778ba',
    '#7ee787', '#a5d6ff', '#e3b341', '#d2a8ff', '#ff9bce', '#2ea043', '#db6d28', '#1f6feb',
    '#8957e5', '#bf8700', '#39c5cf', '#cf222e'
  ];
  var GREY = '#6e7681';
  function rgb(hex) {
    var v = parseInt(hex.slice(1), 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  function hashString(s) {
    var h = 2166136261;
    for (var j = 0; j < s.length; j++) { h ^= s.charCodeAt(j); h = Math.imul(h, 16777619); }
    return h >>> 0;
  }
  var kindHex = kinds.names.map(function (name, c) {
    var key = name.toLowerCase();
    var known = Object.prototype.hasOwnProperty.call(KIND_COLOURS, key) ? KIND_COLOURS[key] : null;
    return known || PALETTE[(hashString(name) + c) % PALETTE.length];
  });
  function communityHex(c) {
    var r = commRank[c];
    return r < 0 ? GREY : PALETTE[r % PALETTE.length];
  }

  // ---------------------------------------------------------------- state
  var st = {
    colourBy: 'kind',
    sizeBy: metricKeys.indexOf('pagerank') >= 0 ? 'pagerank' : metricKeys.indexOf('degree') >= 0 ? 'degree' : metricKeys.length ? metricKeys[0] : 'uniform',
    minWeight: -Infinity,
    kindOn: new Uint8Array(kinds.names.length).fill(1),
    ekindOn: new Uint8Array(ekinds.names.length).fill(1),
    selected: -1, hovered: -1, edgeSel: -1,
    cx: 0, cy: 0, scale: 1, fitScale: 1,
    width: 1, height: 1, dpr: 1, touched: false
  };
  var nodeVis = new Uint8Array(N), edgeVis = new Uint8Array(E);
  var visNodes = 0, visEdges = 0;
  var nodeRGB = new Uint8Array(3 * N);
  var radius = new Float32Array(N);
  var maxRadius = 4;
  var bySize = new Int32Array(N);
  var focusNode = new Uint8Array(N), focusEdge = new Uint8Array(E);
  var focusActive = false;

  function computeVisibility() {
    visNodes = 0; visEdges = 0;
    for (var j = 0; j < N; j++) { nodeVis[j] = st.kindOn[kinds.of[j]]; visNodes += nodeVis[j]; }
    for (var f = 0; f < E; f++) {
      var v = st.ekindOn[ekinds.of[f]] && W[f] >= st.minWeight && nodeVis[S[f]] && nodeVis[T[f]] ? 1 : 0;
      edgeVis[f] = v; visEdges += v;
    }
  }
  function computeColours() {
    for (var j = 0; j < N; j++) {
      var hex = st.colourBy === 'community' ? communityHex(comms.of[j]) : kindHex[kinds.of[j]];
      var c = rgb(hex);
      nodeRGB[3 * j] = c[0]; nodeRGB[3 * j + 1] = c[1]; nodeRGB[3 * j + 2] = c[2];
    }
  }
  function computeSizes() {
    var key = st.sizeBy, max = 0, j;
    if (key !== 'uniform') {
      for (j = 0; j < N; j++) { var v = metric(j, key); if (v !== null && v > max) { max = v; } }
    }
    maxRadius = 0;
    for (j = 0; j < N; j++) {
      var r = 4;
      if (key !== 'uniform') {
        var m = metric(j, key);
        r = max > 0 && m !== null && m > 0 ? 2.5 + 11.5 * Math.sqrt(m / max) : 2.5;
      }
      radius[j] = r;
      if (r > maxRadius) { maxRadius = r; }
    }
    var order = Array.from({ length: N }, function (_, j2) { return j2; });
    order.sort(function (a, b) { return radius[b] - radius[a] || a - b; });
    bySize = Int32Array.from(order);
  }
  function computeFocus() {
    focusNode.fill(0); focusEdge.fill(0);
    var f = st.hovered >= 0 ? st.hovered : st.selected;
    focusActive = f >= 0 || st.edgeSel >= 0;
    if (f >= 0) {
      focusNode[f] = 1;
      for (var a = adjStart[f]; a < adjStart[f + 1]; a++) {
        var ed = adjList[a];
        if (!edgeVis[ed]) { continue; }
        focusEdge[ed] = 1; focusNode[S[ed]] = 1; focusNode[T[ed]] = 1;
      }
    }
    if (st.edgeSel >= 0) {
      focusEdge[st.edgeSel] = 1; focusNode[S[st.edgeSel]] = 1; focusNode[T[st.edgeSel]] = 1;
    }
    if (st.selected >= 0) { focusNode[st.selected] = 1; }
  }

  // ---------------------------------------------------------------- view
  var bounds = (function () {
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    for (var j = 0; j < N; j++) {
      if (X[j] < b[0]) { b[0] = X[j]; } if (Y[j] < b[1]) { b[1] = Y[j]; }
      if (X[j] > b[2]) { b[2] = X[j]; } if (Y[j] > b[3]) { b[3] = Y[j]; }
    }
    return N ? b : [-1, -1, 1, 1];
  })();
  function fitView() {
    var bw = Math.max(bounds[2] - bounds[0], 1e-6), bh = Math.max(bounds[3] - bounds[1], 1e-6);
    var s = Math.min((st.width - 60) / bw, (st.height - 100) / bh);
    if (!isFinite(s) || s <= 0) { s = 1; }
    if (N <= 1) { s = 1; }
    st.scale = s; st.fitScale = s;
    // Slightly above the middle, clear of the hint line at the bottom.
    st.cx = (bounds[0] + bounds[2]) / 2; st.cy = (bounds[1] + bounds[3]) / 2 + 10 / s;
  }
  function sizeFactor() {
    var z = st.scale / st.fitScale;
    return Math.min(3.5, Math.max(0.6, Math.sqrt(z)));
  }
  function toScreenX(x) { return (x - st.cx) * st.scale + st.width / 2; }
  function toScreenY(y) { return (y - st.cy) * st.scale + st.height / 2; }
  function toWorldX(sx) { return (sx - st.width / 2) / st.scale + st.cx; }
  function toWorldY(sy) { return (sy - st.height / 2) / st.scale + st.cy; }

  // Spatial grid over node positions for picking (positions never change).
  var grid = (function () {
    var n = Math.max(1, Math.min(256, Math.ceil(Math.sqrt(N / 2))));
    var w = Math.max(bounds[2] - bounds[0], 1e-6) / n, h = Math.max(bounds[3] - bounds[1], 1e-6) / n;
    var start = new Int32Array(n * n + 1), items = new Int32Array(N);
    var cellOf = new Int32Array(N);
    for (var j = 0; j < N; j++) {
      var gx = Math.min(n - 1, Math.floor((X[j] - bounds[0]) / w));
      var gy = Math.min(n - 1, Math.floor((Y[j] - bounds[1]) / h));
      cellOf[j] = gy * n + gx; start[cellOf[j] + 1]++;
    }
    for (var c = 0; c < n * n; c++) { start[c + 1] += start[c]; }
    var at = start.slice(0, n * n);
    for (j = 0; j < N; j++) { items[at[cellOf[j]]++] = j; }
    return { n: n, w: w, h: h, start: start, items: items };
  })();
  function pickNode(sx, sy) {
    if (!N) { return -1; }
    var sf = sizeFactor();
    var reach = (maxRadius * sf + 4) / st.scale;
    var wx = toWorldX(sx), wy = toWorldY(sy);
    var x0 = Math.max(0, Math.floor((wx - reach - bounds[0]) / grid.w));
    var x1 = Math.min(grid.n - 1, Math.floor((wx + reach - bounds[0]) / grid.w));
    var y0 = Math.max(0, Math.floor((wy - reach - bounds[1]) / grid.h));
    var y1 = Math.min(grid.n - 1, Math.floor((wy + reach - bounds[1]) / grid.h));
    var best = -1, bestD = Infinity;
    for (var gy = y0; gy <= y1; gy++) {
      for (var gx = x0; gx <= x1; gx++) {
        var c = gy * grid.n + gx;
        for (var a = grid.start[c]; a < grid.start[c + 1]; a++) {
          var j = grid.items[a];
          if (!nodeVis[j]) { continue; }
          var dx = toScreenX(X[j]) - sx, dy = toScreenY(Y[j]) - sy;
          var d = Math.sqrt(dx * dx + dy * dy);
          if (d <= radius[j] * sf + 3 && d - radius[j] * sf < bestD) { bestD = d - radius[j] * sf; best = j; }
        }
      }
    }
    return best;
  }
  function pickEdge(sx, sy) {
    var best = -1, bestD = 5;
    for (var f = 0; f < E; f++) {
      if (!edgeVis[f]) { continue; }
      var ax = toScreenX(X[S[f]]), ay = toScreenY(Y[S[f]]), bx = toScreenX(X[T[f]]), by = toScreenY(Y[T[f]]);
      var vx = bx - ax, vy = by - ay, len2 = vx * vx + vy * vy;
      var t = len2 > 0 ? ((sx - ax) * vx + (sy - ay) * vy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      var dx = ax + t * vx - sx, dy = ay + t * vy - sy;
      var d = Math.sqrt(dx * dx + dy * dy);
      if (d < bestD) { bestD = d; best = f; }
    }
    return best;
  }

  // ---------------------------------------------------------------- renderers
  var stage = document.getElementById('stage');
  var labelCanvas = document.createElement('canvas');
  labelCanvas.className = 'labels';
  var labelCtx = null;

  function edgeAlpha() {
    return Math.min(0.55, Math.max(0.1, 0.55 * Math.sqrt(1500 / Math.max(1, visEdges))));
  }

  var VS_NODE = [
    'attribute vec2 a_pos; attribute float a_size; attribute vec4 a_col;',
    'uniform vec2 u_center; uniform vec2 u_scale; uniform float u_px; uniform float u_max;',
    'varying vec4 v_col; varying float v_size;',
    'void main() {',
    '  vec2 p = (a_pos - u_center) * u_scale;',
    '  gl_Position = vec4(p.x, -p.y, 0.0, 1.0);',
    '  float s = min(u_max, 2.0 * a_size * u_px + 1.0);',
    '  gl_PointSize = s; v_size = s; v_col = a_col;',
    '}'
  ].join('\n');
  var FS_NODE = [
    'precision mediump float;',
    'varying vec4 v_col; varying float v_size;',
    'void main() {',
    '  vec2 c = gl_PointCoord * 2.0 - 1.0;',
    '  float r = length(c);',
    '  float aa = 2.0 / max(v_size, 1.0);',
    '  float a = 1.0 - smoothstep(1.0 - aa, 1.0, r);',
    '  if (a <= 0.0) { discard; }',
    '  float ring = smoothstep(0.74 - aa, 0.74, r) * step(7.0, v_size);',
    '  vec3 col = mix(v_col.rgb, v_col.rgb * 0.55, ring);',
    '  gl_FragColor = vec4(col, v_col.a * a);',
    '}'
  ].join('\n');
  var VS_EDGE = [
    'attribute vec2 a_pos; attribute vec4 a_col;',
    'uniform vec2 u_center; uniform vec2 u_scale;',
    'varying vec4 v_col;',
    'void main() {',
    '  vec2 p = (a_pos - u_center) * u_scale;',
    '  gl_Position = vec4(p.x, -p.y, 0.0, 1.0);',
    '  v_col = a_col;',
    '}'
  ].join('\n');
  var FS_EDGE = [
    'precision mediump float;',
    'varying vec4 v_col;',
    'void main() { gl_FragColor = v_col; }'
  ].join('\n');

  // Fills flat arrays for the visible nodes and edges, focused ones last so they draw on top.
  function buildGeometry() {
    var alpha = edgeAlpha();
    var ep = new Float32Array(4 * visEdges), ec = new Uint8Array(8 * visEdges);
    var n = 0, pass, f;
    var base = [120, 140, 165, Math.round(255 * alpha)];
    var dim = [120, 140, 165, Math.round(255 * alpha * 0.3)];
    var hot = [240, 180, 41, 230];
    var sel = [255, 255, 255, 255];
    for (pass = 0; pass < 2; pass++) {
      for (f = 0; f < E; f++) {
        if (!edgeVis[f] || (focusEdge[f] ? 1 : 0) !== pass) { continue; }
        var c = pass ? (f === st.edgeSel ? sel : hot) : focusActive ? dim : base;
        ep[4 * n] = X[S[f]]; ep[4 * n + 1] = Y[S[f]]; ep[4 * n + 2] = X[T[f]]; ep[4 * n + 3] = Y[T[f]];
        for (var q = 0; q < 8; q++) { ec[8 * n + q] = c[q % 4]; }
        n++;
      }
    }
    var halo = st.selected >= 0 && nodeVis[st.selected] ? 1 : 0;
    var count = visNodes + halo;
    var np = new Float32Array(2 * count), ns = new Float32Array(count), nc = new Uint8Array(4 * count);
    var m = 0;
    function put(j, size, r, g, b, a) {
      np[2 * m] = X[j]; np[2 * m + 1] = Y[j]; ns[m] = size;
      nc[4 * m] = r; nc[4 * m + 1] = g; nc[4 * m + 2] = b; nc[4 * m + 3] = a;
      m++;
    }
    for (pass = 0; pass < 2; pass++) {
      for (var j = 0; j < N; j++) {
        if (!nodeVis[j] || (focusNode[j] ? 1 : 0) !== pass) { continue; }
        if (j === st.selected) { continue; }
        put(j, radius[j], nodeRGB[3 * j], nodeRGB[3 * j + 1], nodeRGB[3 * j + 2], focusActive && !pass ? 60 : 255);
      }
    }
    if (halo) {
      var s = st.selected;
      put(s, radius[s] + 3, 255, 255, 255, 255);
      put(s, radius[s], nodeRGB[3 * s], nodeRGB[3 * s + 1], nodeRGB[3 * s + 2], 255);
    }
    return { ep: ep, ec: ec, edgeCount: n, np: np, ns: ns, nc: nc, nodeCount: m };
  }

  function makeWebGL(canvas) {
    var gl = null;
    try {
      gl = canvas.getContext('webgl', { antialias: true, alpha: false, premultipliedAlpha: false, depth: false, stencil: false });
    } catch (err) { gl = null; }
    if (!gl) { return null; }
    function shader(type, src) {
      var sh = gl.createShader(type);
      gl.shaderSource(sh, src); gl.compileShader(sh);
      return gl.getShaderParameter(sh, gl.COMPILE_STATUS) ? sh : null;
    }
    function program(vs, fs) {
      var v = shader(gl.VERTEX_SHADER, vs), f = shader(gl.FRAGMENT_SHADER, fs);
      if (!v || !f) { return null; }
      var p = gl.createProgram();
      gl.attachShader(p, v); gl.attachShader(p, f); gl.linkProgram(p);
      return gl.getProgramParameter(p, gl.LINK_STATUS) ? p : null;
    }
    var pn = program(VS_NODE, FS_NODE), pe = program(VS_EDGE, FS_EDGE);
    if (!pn || !pe) { return null; }
    var loc = {
      n: {
        pos: gl.getAttribLocation(pn, 'a_pos'), size: gl.getAttribLocation(pn, 'a_size'), col: gl.getAttribLocation(pn, 'a_col'),
        center: gl.getUniformLocation(pn, 'u_center'), scale: gl.getUniformLocation(pn, 'u_scale'),
        px: gl.getUniformLocation(pn, 'u_px'), max: gl.getUniformLocation(pn, 'u_max')
      },
      e: {
        pos: gl.getAttribLocation(pe, 'a_pos'), col: gl.getAttribLocation(pe, 'a_col'),
        center: gl.getUniformLocation(pe, 'u_center'), scale: gl.getUniformLocation(pe, 'u_scale')
      }
    };
    var range = gl.getParameter(gl.ALIASED_POINT_SIZE_RANGE);
    var maxPoint = range && range[1] ? range[1] : 64;
    var buf = {
      np: gl.createBuffer(), ns: gl.createBuffer(), nc: gl.createBuffer(), ep: gl.createBuffer(), ec: gl.createBuffer()
    };
    var counts = { nodes: 0, edges: 0 };
    function upload(b, data) { gl.bindBuffer(gl.ARRAY_BUFFER, b); gl.bufferData(gl.ARRAY_BUFFER, data, gl.DYNAMIC_DRAW); }
    function attrib(l, b, size, type, norm) {
      if (l < 0) { return; }
      gl.bindBuffer(gl.ARRAY_BUFFER, b);
      gl.enableVertexAttribArray(l);
      gl.vertexAttribPointer(l, size, type, norm, 0, 0);
    }
    return {
      name: 'webgl',
      canvas: canvas,
      lost: false,
      rebuild: function () {
        var g = buildGeometry();
        upload(buf.ep, g.ep); upload(buf.ec, g.ec); upload(buf.np, g.np); upload(buf.ns, g.ns); upload(buf.nc, g.nc);
        counts.nodes = g.nodeCount; counts.edges = g.edgeCount;
      },
      draw: function () {
        var w = Math.max(1, Math.round(st.width * st.dpr)), h = Math.max(1, Math.round(st.height * st.dpr));
        if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
        gl.viewport(0, 0, w, h);
        gl.clearColor(BG[0] / 255, BG[1] / 255, BG[2] / 255, 1);
        gl.clear(gl.COLOR_BUFFER_BIT);
        gl.enable(gl.BLEND);
        gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
        var sx = 2 * st.scale / st.width, sy = 2 * st.scale / st.height;
        if (counts.edges) {
          gl.useProgram(pe);
          gl.uniform2f(loc.e.center, st.cx, st.cy); gl.uniform2f(loc.e.scale, sx, sy);
          attrib(loc.e.pos, buf.ep, 2, gl.FLOAT, false);
          attrib(loc.e.col, buf.ec, 4, gl.UNSIGNED_BYTE, true);
          gl.drawArrays(gl.LINES, 0, 2 * counts.edges);
          if (loc.e.pos >= 0) { gl.disableVertexAttribArray(loc.e.pos); }
          if (loc.e.col >= 0) { gl.disableVertexAttribArray(loc.e.col); }
        }
        if (counts.nodes) {
          gl.useProgram(pn);
          gl.uniform2f(loc.n.center, st.cx, st.cy); gl.uniform2f(loc.n.scale, sx, sy);
          gl.uniform1f(loc.n.px, sizeFactor() * st.dpr); gl.uniform1f(loc.n.max, maxPoint);
          attrib(loc.n.pos, buf.np, 2, gl.FLOAT, false);
          attrib(loc.n.size, buf.ns, 1, gl.FLOAT, false);
          attrib(loc.n.col, buf.nc, 4, gl.UNSIGNED_BYTE, true);
          gl.drawArrays(gl.POINTS, 0, counts.nodes);
          [loc.n.pos, loc.n.size, loc.n.col].forEach(function (l) { if (l >= 0) { gl.disableVertexAttribArray(l); } });
        }
        if (!labelCtx) { labelCtx = labelCanvas.getContext('2d'); }
        if (labelCtx) {
          if (labelCanvas.width !== w || labelCanvas.height !== h) { labelCanvas.width = w; labelCanvas.height = h; }
          labelCtx.setTransform(st.dpr, 0, 0, st.dpr, 0, 0);
          labelCtx.clearRect(0, 0, st.width, st.height);
          drawLabels(labelCtx);
        }
        return { nodes: counts.nodes - (st.selected >= 0 && nodeVis[st.selected] ? 1 : 0), edges: counts.edges };
      }
    };
  }

  function makeCanvas(canvas) {
    var ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) { return null; }
    var geom = null;
    return {
      name: 'canvas',
      canvas: canvas,
      rebuild: function () { geom = buildGeometry(); },
      draw: function () {
        if (!geom) { geom = buildGeometry(); }
        var w = Math.max(1, Math.round(st.width * st.dpr)), h = Math.max(1, Math.round(st.height * st.dpr));
        if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
        ctx.setTransform(st.dpr, 0, 0, st.dpr, 0, 0);
        ctx.fillStyle = 'rgb(' + BG.join(',') + ')';
        ctx.fillRect(0, 0, st.width, st.height);
        var g = geom, q, last = -1, drawn = { nodes: 0, edges: g.edgeCount };
        var W2 = st.width, H2 = st.height;
        // Edges, batched into one path per colour run.
        ctx.lineWidth = 1;
        ctx.beginPath();
        for (q = 0; q < g.edgeCount; q++) {
          var key = ((g.ec[8 * q] << 24) | (g.ec[8 * q + 1] << 16) | (g.ec[8 * q + 2] << 8) | g.ec[8 * q + 3]) >>> 0;
          if (key !== last) {
            ctx.stroke(); ctx.beginPath();
            ctx.strokeStyle = 'rgba(' + g.ec[8 * q] + ',' + g.ec[8 * q + 1] + ',' + g.ec[8 * q + 2] + ',' + (g.ec[8 * q + 3] / 255).toFixed(3) + ')';
            ctx.lineWidth = g.ec[8 * q + 3] === 255 ? 2 : 1;
            last = key;
          }
          var ax = toScreenX(g.ep[4 * q]), ay = toScreenY(g.ep[4 * q + 1]);
          var bx = toScreenX(g.ep[4 * q + 2]), by = toScreenY(g.ep[4 * q + 3]);
          if ((ax < 0 && bx < 0) || (ay < 0 && by < 0) || (ax > W2 && bx > W2) || (ay > H2 && by > H2)) { continue; }
          ctx.moveTo(ax, ay); ctx.lineTo(bx, by);
        }
        ctx.stroke();
        // Nodes, one path per colour run.
        var sf = sizeFactor();
        last = -1;
        ctx.beginPath();
        for (q = 0; q < g.nodeCount; q++) {
          var ckey = ((g.nc[4 * q] << 24) | (g.nc[4 * q + 1] << 16) | (g.nc[4 * q + 2] << 8) | g.nc[4 * q + 3]) >>> 0;
          if (ckey !== last) {
            ctx.fill(); ctx.beginPath();
            ctx.fillStyle = 'rgba(' + g.nc[4 * q] + ',' + g.nc[4 * q + 1] + ',' + g.nc[4 * q + 2] + ',' + (g.nc[4 * q + 3] / 255).toFixed(3) + ')';
            last = ckey;
          }
          var x = toScreenX(g.np[2 * q]), y = toScreenY(g.np[2 * q + 1]), r = Math.max(0.8, g.ns[q] * sf);
          drawn.nodes++;
          if (x + r < 0 || y + r < 0 || x - r > W2 || y - r > H2) { continue; }
          ctx.moveTo(x + r, y);
          ctx.arc(x, y, r, 0, 2 * Math.PI);
        }
        ctx.fill();
        drawLabels(ctx);
        drawn.nodes -= st.selected >= 0 && nodeVis[st.selected] ? 1 : 0;
        return drawn;
      }
    };
  }

  // Arrowheads on the focused directed links (the neighbourhood of the hovered or selected
  // node, and the selected link), drawn on the 2D layer of either renderer.
  function drawArrows(ctx, sf) {
    if (!focusActive) { return; }
    var list = [];
    var f = st.hovered >= 0 ? st.hovered : st.selected;
    if (f >= 0) { for (var a = adjStart[f]; a < adjStart[f + 1] && list.length < 600; a++) { list.push(adjList[a]); } }
    if (st.edgeSel >= 0) { list.push(st.edgeSel); }
    for (var q = 0; q < list.length; q++) {
      var ed = list[q];
      if (!edgeVis[ed] || !edges[ed].directed) { continue; }
      var ax = toScreenX(X[S[ed]]), ay = toScreenY(Y[S[ed]]), bx = toScreenX(X[T[ed]]), by = toScreenY(Y[T[ed]]);
      var dx = bx - ax, dy = by - ay, len = Math.sqrt(dx * dx + dy * dy);
      var back = radius[T[ed]] * sf + 2;
      if (len < back + 8) { continue; }
      var ux = dx / len, uy = dy / len, tx = bx - ux * back, ty = by - uy * back;
      ctx.beginPath();
      ctx.moveTo(tx, ty);
      ctx.lineTo(tx - ux * 9 - uy * 4.5, ty - uy * 9 + ux * 4.5);
      ctx.lineTo(tx - ux * 9 + uy * 4.5, ty - uy * 9 - ux * 4.5);
      ctx.closePath();
      ctx.fillStyle = ed === st.edgeSel ? '#ffffff' : 'rgba(240,180,41,0.95)';
      ctx.fill();
    }
  }

  function drawLabels(ctx) {
    var sf = sizeFactor();
    drawArrows(ctx, sf);
    var placed = [];
    var shown = 0;
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    function overlaps(b) {
      for (var p = 0; p < placed.length; p++) {
        var o = placed[p];
        if (b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]) { return true; }
      }
      return false;
    }
    function label(j, strong) {
      if (j < 0 || !nodeVis[j]) { return false; }
      var sx = toScreenX(X[j]), sy = toScreenY(Y[j]), r = radius[j] * sf;
      if (sx < -50 || sy < -20 || sx > st.width + 10 || sy > st.height + 20) { return false; }
      ctx.font = (strong ? '600 13px ' : '12px ') + 'system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", sans-serif';
      var text = shortLabel[j];
      var tw = ctx.measureText(text).width;
      var x = sx + r + 4;
      var box = [x - 2, sy - 8, x + tw + 2, sy + 8];
      if (!strong && overlaps(box)) { return false; }
      placed.push(box);
      ctx.lineWidth = 3.5;
      ctx.strokeStyle = 'rgba(13,17,23,0.9)';
      ctx.strokeText(text, x, sy);
      ctx.fillStyle = strong ? '#ffffff' : focusActive && !focusNode[j] ? 'rgba(216,222,230,0.45)' : '#d8dee6';
      ctx.fillText(text, x, sy);
      shown++;
      return true;
    }
    label(st.selected, true);
    if (st.hovered !== st.selected) { label(st.hovered, true); }
    if (st.edgeSel >= 0) { label(S[st.edgeSel], true); label(T[st.edgeSel], true); }
    var f = st.hovered >= 0 ? st.hovered : st.selected;
    if (f >= 0) {
      var around = [];
      for (var a = adjStart[f]; a < adjStart[f + 1] && around.length < 400; a++) {
        var ed = adjList[a];
        if (edgeVis[ed]) { around.push(S[ed] === f ? T[ed] : S[ed]); }
      }
      around.sort(function (p, q) { return radius[q] - radius[p] || p - q; });
      for (var b = 0; b < around.length && b < 60; b++) { label(around[b], false); }
    }
    var budget = Math.round(28 * Math.min(3, Math.max(1, st.scale / st.fitScale)));
    for (var c = 0, tried = 0; c < N && shown < budget && tried < 3000; c++) {
      var j = bySize[c];
      if (!nodeVis[j] || j === st.selected) { continue; }
      if (focusActive && !focusNode[j] && shown > 12) { continue; }
      tried++;
      label(j, false);
    }
  }

  var R = null;
  var mainCanvas = null;
  function installRenderer(forceCanvas) {
    if (mainCanvas) { stage.removeChild(mainCanvas); }
    if (labelCanvas.parentNode) { stage.removeChild(labelCanvas); }
    mainCanvas = document.createElement('canvas');
    mainCanvas.className = 'graph';
    stage.insertBefore(mainCanvas, stage.firstChild);
    R = forceCanvas ? null : makeWebGL(mainCanvas);
    if (R) {
      stage.insertBefore(labelCanvas, mainCanvas.nextSibling);
      mainCanvas.addEventListener('webglcontextlost', function (ev) {
        ev.preventDefault();
        installRenderer(true);
        bindPointer(mainCanvas);
        R.rebuild();
        requestDraw();
      });
    } else {
      if (!forceCanvas) {
        stage.removeChild(mainCanvas);
        mainCanvas = document.createElement('canvas');
        mainCanvas.className = 'graph';
        stage.insertBefore(mainCanvas, stage.firstChild);
      }
      R = makeCanvas(mainCanvas);
    }
  }

  var drawPending = false;
  function draw() {
    drawPending = false;
    if (!R) { return; }
    var drawn = R.draw();
    body.dataset.nodes = String(drawn.nodes);
    body.dataset.edges = String(drawn.edges);
    updateSummary();
  }
  function requestDraw() {
    if (drawPending) { return; }
    drawPending = true;
    requestAnimationFrame(draw);
  }
  function refresh() {
    computeFocus();
    if (R) { R.rebuild(); }
    requestDraw();
  }

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, cls, text) {
    var x = document.createElement(tag);
    if (cls) { x.className = cls; }
    if (text !== undefined && text !== null) { x.textContent = String(text); }
    return x;
  }
  function swatch(hex) {
    var s = el('span', 'swatch');
    s.style.background = hex;
    return s;
  }
  function fmt(v) {
    if (typeof v !== 'number' || !isFinite(v)) { return str(v); }
    if (Number.isInteger(v)) { return v.toLocaleString('en-US'); }
    if (Math.abs(v) >= 1000) { return Math.round(v).toLocaleString('en-US'); }
    if (Math.abs(v) >= 1) { return String(Math.round(v * 100) / 100); }
    return String(Number(v.toPrecision(3)));
  }
  function kv(rows) {
    var t = el('table', 'kv'), tb = el('tbody');
    rows.forEach(function (r) {
      var tr = el('tr');
      tr.appendChild(el('th', null, r[0]));
      var td = el('td', r[2] || null, r[1]);
      tr.appendChild(td);
      tb.appendChild(tr);
    });
    t.appendChild(tb);
    return t;
  }

  // ---------------------------------------------------------------- header
  var titleEl = document.getElementById('title');
  titleEl.textContent = str(G.title) || 'Association graph';
  titleEl.title = titleEl.textContent;
  var notesEl = document.getElementById('notes');
  (Array.isArray(G.notes) ? G.notes : []).forEach(function (n) {
    var li = el('li', null, n); li.title = str(n); notesEl.appendChild(li);
  });
  var summaryEl = document.getElementById('summary');
  var lastSummary = '';
  function updateSummary() {
    var key = visNodes + '/' + visEdges;
    if (key === lastSummary) { return; }
    lastSummary = key;
    summaryEl.replaceChildren();
    function part(n, total, word) {
      summaryEl.appendChild(el('b', null, n.toLocaleString('en-US')));
      summaryEl.appendChild(document.createTextNode(' ' + word + (n !== total ? ' of ' + total.toLocaleString('en-US') : '')));
    }
    part(visNodes, N, 'entities');
    summaryEl.appendChild(document.createTextNode(' \u00b7 '));
    part(visEdges, E, 'links');
  }

  // ---------------------------------------------------------------- controls
  var colourSel = document.getElementById('colour-by');
  [['kind', 'entity kind']].concat(hasCommunity ? [['community', 'community']] : []).forEach(function (o) {
    var opt = el('option', null, o[1]); opt.value = o[0]; colourSel.appendChild(opt);
  });
  colourSel.value = st.colourBy;
  colourSel.addEventListener('change', function () {
    st.colourBy = colourSel.value;
    computeColours(); buildKindList(); buildLegend(); refresh();
  });

  var sizeSel = document.getElementById('size-by');
  ['uniform'].concat(metricKeys).forEach(function (m) {
    var opt = el('option', null, m); opt.value = m; sizeSel.appendChild(opt);
  });
  sizeSel.value = st.sizeBy;
  sizeSel.addEventListener('change', function () { st.sizeBy = sizeSel.value; computeSizes(); refresh(); });

  var weights = Array.from(new Set(Array.from(W))).sort(function (a, b) { return a - b; });
  var weightInput = document.getElementById('weight'), weightOut = document.getElementById('weight-value');
  function weightAt(v) {
    if (!weights.length) { return -Infinity; }
    var idx = Math.round(v / 1000 * (weights.length - 1));
    return weights[Math.max(0, Math.min(weights.length - 1, idx))];
  }
  function showWeight() {
    weightOut.textContent = weights.length ? '\u2265 ' + fmt(st.minWeight === -Infinity ? weights[0] : st.minWeight) : '\u2013';
  }
  weightInput.disabled = weights.length < 2;
  weightInput.addEventListener('input', function () {
    st.minWeight = +weightInput.value === 0 ? -Infinity : weightAt(+weightInput.value);
    showWeight(); computeVisibility(); refreshPanels(); refresh();
  });

  function checkList(ul, cats, on, hexOf, onChange) {
    ul.replaceChildren();
    cats.order.forEach(function (c) {
      var li = el('li'), lab = el('label'), box = el('input');
      box.type = 'checkbox'; box.checked = !!on[c];
      box.addEventListener('change', function () { on[c] = box.checked ? 1 : 0; onChange(); });
      lab.appendChild(box);
      if (hexOf) { lab.appendChild(swatch(hexOf(c))); }
      lab.appendChild(el('span', 'name', cats.names[c]));
      lab.appendChild(el('span', 'count', cats.counts[c].toLocaleString('en-US')));
      li.appendChild(lab);
      ul.appendChild(li);
    });
  }
  var kindUl = document.getElementById('kinds'), ekindUl = document.getElementById('edge-kinds');
  function filtersChanged() { computeVisibility(); refreshPanels(); refresh(); }
  function buildKindList() {
    checkList(kindUl, kinds, st.kindOn, st.colourBy === 'kind' ? function (c) { return kindHex[c]; } : null, filtersChanged);
  }
  function buildEdgeKindList() { checkList(ekindUl, ekinds, st.ekindOn, null, filtersChanged); }
  function setAll(on, value, rebuildList) { on.fill(value); rebuildList(); filtersChanged(); }
  document.getElementById('kinds-all').addEventListener('click', function () { setAll(st.kindOn, 1, buildKindList); });
  document.getElementById('kinds-none').addEventListener('click', function () { setAll(st.kindOn, 0, buildKindList); });
  document.getElementById('ekinds-all').addEventListener('click', function () { setAll(st.ekindOn, 1, buildEdgeKindList); });
  document.getElementById('ekinds-none').addEventListener('click', function () { setAll(st.ekindOn, 0, buildEdgeKindList); });

  var legendUl = document.getElementById('legend');
  var legendSection = document.getElementById('legend-section');
  function buildLegend() {
    legendUl.replaceChildren();
    // Coloured by kind, the entity filter above already is the legend.
    legendSection.hidden = st.colourBy !== 'community';
    function row(hex, name, count) {
      var li = el('li');
      li.appendChild(swatch(hex));
      li.appendChild(el('span', 'name', name));
      li.appendChild(el('span', 'count', count.toLocaleString('en-US')));
      legendUl.appendChild(li);
    }
    if (st.colourBy === 'community') {
      var shown = 0, rest = 0, restN = 0;
      comms.order.forEach(function (c) {
        if (comms.names[c] === -1) { return; }
        if (shown < 12) { row(communityHex(c), 'community ' + comms.names[c], comms.counts[c]); shown++; } else { rest++; restN += comms.counts[c]; }
      });
      if (rest) { legendUl.appendChild(el('li', 'more', rest + ' smaller communities (' + restN.toLocaleString('en-US') + ' entities), colours repeat')); }
      var none = comms.index.get(-1);
      if (none !== undefined) { row(GREY, 'no community', comms.counts[none]); }
    } else {
      kinds.order.forEach(function (c) { row(kindHex[c], kinds.names[c], kinds.counts[c]); });
    }
  }

  // ---------------------------------------------------------------- search
  var searchInput = document.getElementById('search'), resultsOl = document.getElementById('results');
  var results = [], active = 0;
  function runSearch() {
    var q = searchInput.value.trim().toLowerCase();
    results = []; active = 0;
    resultsOl.replaceChildren();
    if (!q) { return; }
    var found = [], total = 0;
    for (var j = 0; j < N; j++) {
      var l = labelLC[j], d = idLC[j], score;
      if (l === q || d === q) { score = 0; } else if (l.indexOf(q) === 0 || d.indexOf(q) === 0) { score = 1; } else if (l.indexOf(q) >= 0 || d.indexOf(q) >= 0) { score = 2; } else { continue; }
      total++;
      if (found.length < 2000) { found.push([score, j]); }
    }
    found.sort(function (a, b) { return a[0] - b[0] || radius[b[1]] - radius[a[1]] || a[1] - b[1]; });
    results = found.slice(0, 12).map(function (p) { return p[1]; });
    results.forEach(function (j, r) {
      var li = el('li', r === 0 ? 'active' : null);
      li.appendChild(swatch(kindHex[kinds.of[j]]));
      li.appendChild(el('span', null, shortLabel[j]));
      li.title = str(nodes[j].id);
      li.addEventListener('click', function () { choose(j); });
      resultsOl.appendChild(li);
    });
    if (total > results.length) { resultsOl.appendChild(el('li', 'more', (total - results.length).toLocaleString('en-US') + ' more matches')); }
    if (!total) { resultsOl.appendChild(el('li', 'more', 'no match')); }
  }
  function choose(j) {
    if (!st.kindOn[kinds.of[j]]) { st.kindOn[kinds.of[j]] = 1; buildKindList(); computeVisibility(); }
    select(j, true);
  }
  function markActive() {
    Array.prototype.forEach.call(resultsOl.children, function (li, r) { li.classList.toggle('active', r === active); });
  }
  searchInput.addEventListener('input', runSearch);
  searchInput.addEventListener('keydown', function (ev) {
    if (ev.key === 'ArrowDown') { active = Math.min(results.length - 1, active + 1); markActive(); ev.preventDefault(); }
    else if (ev.key === 'ArrowUp') { active = Math.max(0, active - 1); markActive(); ev.preventDefault(); }
    else if (ev.key === 'Enter' && results.length) { choose(results[active] !== undefined ? results[active] : results[0]); }
    else if (ev.key === 'Escape') { searchInput.value = ''; runSearch(); }
  });

  // ---------------------------------------------------------------- panels
  var panelEmpty = document.getElementById('panel-empty');
  var nodePanel = document.getElementById('node-panel'), edgePanel = document.getElementById('edge-panel');
  var NODE_EDGE_LIMIT = 300, EVIDENCE_LIMIT = 500;

  function closeButton(onClick) {
    var b = el('button', 'close', '\u00d7');
    b.type = 'button'; b.title = 'close';
    b.addEventListener('click', onClick);
    return b;
  }
  function showPanels() {
    nodePanel.hidden = st.selected < 0;
    edgePanel.hidden = st.edgeSel < 0;
    panelEmpty.hidden = st.selected >= 0 || st.edgeSel >= 0;
  }
  function renderNodePanel() {
    nodePanel.replaceChildren();
    var j = st.selected;
    if (j < 0) { showPanels(); return; }
    var n = nodes[j];
    nodePanel.appendChild(closeButton(function () { select(-1); }));
    nodePanel.appendChild(el('div', 'title', labels[j]));
    var chips = el('div', 'chips');
    var kc = el('span', 'chip'); kc.appendChild(swatch(kindHex[kinds.of[j]])); kc.appendChild(document.createTextNode(kinds.names[kinds.of[j]]));
    chips.appendChild(kc);
    if (typeof n.community === 'number') {
      var cc = el('span', 'chip'); cc.appendChild(swatch(communityHex(comms.of[j]))); cc.appendChild(document.createTextNode('community ' + n.community));
      chips.appendChild(cc);
    }
    if (!nodeVis[j]) { chips.appendChild(el('span', 'chip', 'hidden by filters')); }
    nodePanel.appendChild(chips);
    nodePanel.appendChild(el('div', 'mono id', str(n.id)));
    var mrows = n.metrics ? Object.keys(n.metrics).sort().map(function (m) { return [m, fmt(n.metrics[m])]; }) : [];
    if (mrows.length) { nodePanel.appendChild(el('h2', null, 'Metrics')); nodePanel.appendChild(kv(mrows)); }
    var drows = n.details ? Object.keys(n.details).sort().map(function (d) { return [d, str(n.details[d])]; }) : [];
    if (drows.length) { nodePanel.appendChild(el('h2', null, 'Details')); nodePanel.appendChild(kv(drows)); }
    var list = [];
    for (var a = adjStart[j]; a < adjStart[j + 1]; a++) { list.push(adjList[a]); }
    list.sort(function (p, q) { return W[q] - W[p] || p - q; });
    nodePanel.appendChild(el('h2', null, 'Links (' + list.length.toLocaleString('en-US') + ')'));
    var ul = el('ul', 'edges');
    list.slice(0, NODE_EDGE_LIMIT).forEach(function (f) {
      var ed = edges[f], other = S[f] === j ? T[f] : S[f];
      var li = el('li', (f === st.edgeSel ? 'active' : '') + (edgeVis[f] ? '' : ' filtered'));
      var dir = !ed.directed ? '\u2014' : S[f] === j ? '\u2192' : '\u2190';
      li.appendChild(el('span', 'dir', dir));
      li.appendChild(el('span', 'other', shortLabel[other]));
      li.appendChild(el('span', 'w', fmt(W[f])));
      var ev = Array.isArray(ed.evidence) ? ed.evidence.length : 0;
      li.appendChild(el('span', 'meta', ekinds.names[ekinds.of[f]] + ' \u00b7 ' + kinds.names[kinds.of[other]] + ' \u00b7 ' + ev + (ev === 1 ? ' record' : ' records')));
      li.title = labels[other];
      li.addEventListener('click', function () { selectEdge(f); });
      ul.appendChild(li);
    });
    nodePanel.appendChild(ul);
    if (list.length > NODE_EDGE_LIMIT) {
      nodePanel.appendChild(el('div', 'more', (list.length - NODE_EDGE_LIMIT).toLocaleString('en-US') + ' more links with lower weight'));
    }
    showPanels();
  }
  function renderEdgePanel() {
    edgePanel.replaceChildren();
    var f = st.edgeSel;
    if (f < 0) { showPanels(); return; }
    var ed = edges[f];
    edgePanel.appendChild(closeButton(function () { selectEdge(-1); }));
    edgePanel.appendChild(el('h2', null, 'Link'));
    var ends = el('div', 'ends');
    function endButton(j) {
      var b = el('button', null, labels[j]);
      b.type = 'button'; b.title = str(nodes[j].id);
      b.addEventListener('click', function () { select(j, true, true); });
      return b;
    }
    ends.appendChild(endButton(S[f]));
    ends.appendChild(el('span', 'arrow', (ed.directed ? '\u2193 ' : '\u2195 ') + ekinds.names[ekinds.of[f]]));
    ends.appendChild(endButton(T[f]));
    edgePanel.appendChild(ends);
    var evs = Array.isArray(ed.evidence) ? ed.evidence : [];
    var chips = el('div', 'chips');
    chips.appendChild(el('span', 'chip', 'weight ' + fmt(W[f])));
    chips.appendChild(el('span', 'chip', ed.directed ? 'directed' : 'undirected'));
    if (!edgeVis[f]) { chips.appendChild(el('span', 'chip', 'hidden by filters')); }
    edgePanel.appendChild(chips);
    edgePanel.appendChild(el('h2', null, 'Evidence (' + evs.length.toLocaleString('en-US') + ')'));
    if (!evs.length) { edgePanel.appendChild(el('div', 'more', 'no supporting records were exported for this link')); }
    var ol = el('ol', 'evidence');
    evs.slice(0, EVIDENCE_LIMIT).forEach(function (v) {
      if (!v || typeof v !== 'object') { return; }
      var li = el('li');
      li.appendChild(el('div', 'loc', str(v.locator)));
      var src = el('div', 'src');
      src.appendChild(el('span', null, str(v.evidence)));
      if (v.time !== undefined && v.time !== null) { src.appendChild(el('span', 'time', str(v.time))); }
      li.appendChild(src);
      if (v.context !== undefined && v.context !== null) { li.appendChild(el('div', 'ctx', str(v.context))); }
      if (v.note !== undefined && v.note !== null) { li.appendChild(el('div', 'note', str(v.note))); }
      ol.appendChild(li);
    });
    edgePanel.appendChild(ol);
    if (evs.length > EVIDENCE_LIMIT) {
      edgePanel.appendChild(el('div', 'more', (evs.length - EVIDENCE_LIMIT).toLocaleString('en-US') + ' more records not listed'));
    }
    showPanels();
  }
  function refreshPanels() { renderNodePanel(); renderEdgePanel(); }

  function centreOn(j) {
    st.cx = X[j]; st.cy = Y[j]; st.touched = true;
    // Zoom in on large graphs only: small ones stay readable at the full view.
    st.scale = Math.max(st.scale, st.fitScale * Math.min(4, Math.max(1, Math.sqrt(N) / 25)));
  }
  function select(j, centre, keepEdge) {
    st.selected = j;
    if (!keepEdge || (st.edgeSel >= 0 && j >= 0 && S[st.edgeSel] !== j && T[st.edgeSel] !== j)) { st.edgeSel = -1; }
    if (j >= 0 && centre) { centreOn(j); }
    refreshPanels();
    refresh();
  }
  function selectEdge(f) {
    st.edgeSel = f;
    if (f >= 0 && st.selected >= 0 && S[f] !== st.selected && T[f] !== st.selected) { st.selected = -1; }
    refreshPanels();
    refresh();
    if (f >= 0) { edgePanel.scrollIntoView({ block: 'nearest' }); }
  }
  document.getElementById('fit').addEventListener('click', function () { fitView(); st.touched = false; requestDraw(); });
  document.getElementById('clear').addEventListener('click', function () { st.edgeSel = -1; select(-1); });

  // ---------------------------------------------------------------- pointer
  var tooltip = document.getElementById('tooltip');
  function showTooltip(j, sx, sy) {
    if (j < 0) { tooltip.hidden = true; return; }
    tooltip.replaceChildren(document.createTextNode(shortLabel[j]), el('span', 'sub', kinds.names[kinds.of[j]]));
    tooltip.hidden = false;
    tooltip.style.left = Math.min(sx + 14, st.width - 200) + 'px';
    tooltip.style.top = (sy + 14) + 'px';
  }
  var drag = null;
  function bindPointer(canvas) {
    canvas.addEventListener('pointerdown', function (ev) {
      drag = { x: ev.offsetX, y: ev.offsetY, cx: st.cx, cy: st.cy, moved: false };
      if (canvas.setPointerCapture) { try { canvas.setPointerCapture(ev.pointerId); } catch (err) { /* ignore */ } }
    });
    canvas.addEventListener('pointermove', function (ev) {
      var sx = ev.offsetX, sy = ev.offsetY;
      if (drag) {
        var dx = sx - drag.x, dy = sy - drag.y;
        if (!drag.moved && dx * dx + dy * dy > 9) { drag.moved = true; canvas.classList.add('dragging'); tooltip.hidden = true; }
        if (drag.moved) {
          st.cx = drag.cx - dx / st.scale; st.cy = drag.cy - dy / st.scale; st.touched = true;
          requestDraw();
          return;
        }
      }
      var j = pickNode(sx, sy);
      canvas.classList.toggle('pointing', j >= 0);
      showTooltip(j, sx, sy);
      if (j !== st.hovered) { st.hovered = j; refresh(); }
    });
    canvas.addEventListener('pointerup', function (ev) {
      var d = drag;
      drag = null;
      canvas.classList.remove('dragging');
      if (!d || d.moved) { return; }
      var j = pickNode(ev.offsetX, ev.offsetY);
      if (j >= 0) { select(j, false); return; }
      var f = pickEdge(ev.offsetX, ev.offsetY);
      if (f >= 0) { selectEdge(f); return; }
      st.edgeSel = -1;
      select(-1);
    });
    canvas.addEventListener('pointerleave', function () {
      tooltip.hidden = true;
      if (!drag && st.hovered >= 0) { st.hovered = -1; refresh(); }
    });
    canvas.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      var delta = ev.deltaMode === 1 ? ev.deltaY * 33 : ev.deltaMode === 2 ? ev.deltaY * 400 : ev.deltaY;
      var factor = Math.exp(-delta * 0.0015);
      var next = Math.min(st.fitScale * 400, Math.max(st.fitScale * 0.2, st.scale * factor));
      var wx = toWorldX(ev.offsetX), wy = toWorldY(ev.offsetY);
      st.scale = next; st.touched = true;
      st.cx = wx - (ev.offsetX - st.width / 2) / st.scale;
      st.cy = wy - (ev.offsetY - st.height / 2) / st.scale;
      requestDraw();
    }, { passive: false });
  }
  document.addEventListener('keydown', function (ev) {
    if (ev.target === searchInput) { return; }
    if (ev.key === 'Escape') { st.edgeSel = -1; select(-1); }
    else if (ev.key === '/') { ev.preventDefault(); searchInput.focus(); }
  });

  function measure() {
    var w = stage.clientWidth || 800, h = stage.clientHeight || 600;
    var changed = w !== st.width || h !== st.height;
    st.width = w; st.height = h; st.dpr = window.devicePixelRatio || 1;
    return changed;
  }
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(function () { if (measure()) { if (!st.touched) { fitView(); } requestDraw(); } }).observe(stage);
  } else {
    window.addEventListener('resize', function () { if (measure()) { if (!st.touched) { fitView(); } requestDraw(); } });
  }

  // ---------------------------------------------------------------- start
  computeVisibility();
  computeColours();
  computeSizes();
  buildKindList();
  buildEdgeKindList();
  buildLegend();
  showWeight();
  measure();
  fitView();
  installRenderer(params.get('renderer') === 'canvas');
  bindPointer(mainCanvas);
  if (params.get('colour') === 'community' && hasCommunity) {
    st.colourBy = 'community'; colourSel.value = 'community';
    computeColours(); buildKindList(); buildLegend();
  }
  var wanted = params.get('select');
  if (wanted !== null && idIndex.has(wanted)) { select(idIndex.get(wanted), true); }
  var wantedEdge = params.get('edge');
  if (wantedEdge !== null && /^[0-9]+$/.test(wantedEdge) && +wantedEdge < E) { selectEdge(+wantedEdge); }
  showPanels();
  computeFocus();
  R.rebuild();
  draw();
  body.dataset.renderer = R.name;
  body.dataset.readyMs = String(Math.round(performance.now()));
  body.dataset.status = 'ready';
  if (params.get('selftest') !== null) { selfTest(); }

  // ---------------------------------------------------------------- self-test
  // `#selftest` drives the page with synthetic events (click, edge list, wheel, drag, search,
  // filters) and reports in data-selftest: "ok" or the names of the failed checks. The state
  // is restored afterwards.
  function selfTest() {
    var failed = [];
    function check(name, ok) { if (!ok) { failed.push(name); } }
    function pointer(type, x, y) {
      var r = mainCanvas.getBoundingClientRect();
      mainCanvas.dispatchEvent(new PointerEvent(type, { clientX: r.left + x, clientY: r.top + y, bubbles: true, pointerId: 1, isPrimary: true }));
    }
    var j = -1;
    for (var c = 0; c < N; c++) {
      var cand = bySize[c];
      var x = toScreenX(X[cand]), y = toScreenY(Y[cand]);
      if (nodeVis[cand] && x > 5 && y > 5 && x < st.width - 5 && y < st.height - 5) { j = cand; break; }
    }
    if (j >= 0) {
      var sx = toScreenX(X[j]), sy = toScreenY(Y[j]);
      var picked = pickNode(sx, sy);
      check('pick', picked >= 0 && Math.abs(toScreenX(X[picked]) - sx) <= radius[picked] * sizeFactor() + 3);
      pointer('pointerdown', sx, sy); pointer('pointerup', sx, sy);
      check('click selects', st.selected === picked && !nodePanel.hidden && nodePanel.textContent.indexOf(labels[picked]) >= 0);
      var li = nodePanel.querySelector('ul.edges li');
      if (adjStart[picked + 1] > adjStart[picked]) {
        check('edge list', !!li);
        if (li) { li.click(); }
        check('evidence panel', st.edgeSel >= 0 && !edgePanel.hidden && !!edgePanel.querySelector('.chips'));
      }
      var wx = toWorldX(120), wy = toWorldY(80), scale = st.scale;
      var r = mainCanvas.getBoundingClientRect();
      mainCanvas.dispatchEvent(new WheelEvent('wheel', { clientX: r.left + 120, clientY: r.top + 80, deltaY: -240, bubbles: true, cancelable: true }));
      check('wheel zooms in', st.scale > scale * 1.2);
      check('zoom keeps the point under the cursor', Math.abs(toWorldX(120) - wx) * st.scale < 0.01 && Math.abs(toWorldY(80) - wy) * st.scale < 0.01);
      var cx = st.cx;
      pointer('pointerdown', 200, 200); pointer('pointermove', 260, 200); pointer('pointerup', 260, 200);
      check('drag pans', Math.abs((cx - st.cx) * st.scale - 60) < 0.01 && st.edgeSel >= 0);
      searchInput.value = labels[j];
      searchInput.dispatchEvent(new Event('input'));
      check('search lists', resultsOl.children.length > 0);
      select(-1);
      searchInput.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
      check('search selects', st.selected >= 0 && labelLC[st.selected] === labelLC[j]);
      searchInput.value = ''; runSearch();
    }
    var first = kindUl.querySelector('input');
    if (first && kinds.names.length) {
      var before = visNodes, c0 = kinds.order[0];
      first.click();
      check('kind filter', visNodes === before - kinds.counts[c0]);
      first.click();
      check('kind filter restores', visNodes === before);
    }
    if (weights.length > 1) {
      var all = visEdges;
      weightInput.value = '1000'; weightInput.dispatchEvent(new Event('input'));
      var top = 0;
      for (var f = 0; f < E; f++) { if (W[f] >= weights[weights.length - 1] && nodeVis[S[f]] && nodeVis[T[f]] && st.ekindOn[ekinds.of[f]]) { top++; } }
      check('weight filter', visEdges === top && visEdges < all);
      weightInput.value = '0'; weightInput.dispatchEvent(new Event('input'));
      check('weight filter restores', visEdges === all);
    }
    st.edgeSel = -1; select(-1); fitView(); st.touched = false;
    draw();
    body.dataset.selftest = failed.length ? 'failed: ' + failed.join(', ') : 'ok';
  }
})();
