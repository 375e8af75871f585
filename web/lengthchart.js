// lengthchart.js — each system's BLEU by source-sentence length, from the
// results `npm run eval` writes (web/architectures.json): an inline SVG line
// chart (one line and one marker shape per system, an HTML legend, axis
// titles), the same numbers as a plain table, and a line naming the test set,
// commit and date. Colours come from CSS classes (web/compare.css), so the
// chart follows the light or dark scheme without being redrawn.
//
// The file is read as untrusted: anything missing or of the wrong type is
// left out, a file that cannot be used at all gives a message in the chart's
// place, and nothing here throws. Text goes in through textContent only.

const SVG = 'http://www.w3.org/2000/svg';
const W = 640, H = 330;
const M = { left: 52, right: 20, top: 16, bottom: 62 }; // room for the tick labels and axis titles
const MAX_SYSTEMS = 12;
const MAX_BUCKETS = 24;
// Known systems keep their colour and marker wherever they are in the file
// (and the comparison page's panes use the same ones); others take the next free.
const KNOWN = ['noattn', 'attention', 'transformer', 'apertium'];
const SERIES = 6; // colours in compare.css (.series-1 … .series-6)
const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'down', 'cross'];

const num = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const str = (x) => (typeof x === 'string' && x.trim() ? x.trim() : null);
const isObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);

function scores(x) {
  if (!isObject(x)) return null;
  const s = { sentences: num(x.sentences), bleu: num(x.bleu), chrf2: num(x.chrf2) };
  return s.sentences === null && s.bleu === null && s.chrf2 === null ? null : s;
}

/**
 * Checks parsed JSON: { ok: true, results } with only the usable parts, or
 * { ok: false, error } saying why there is nothing to draw.
 */
export function readResults(data) {
  if (!isObject(data)) return { ok: false, error: 'it is not a JSON object' };
  if (!Array.isArray(data.systems)) return { ok: false, error: 'it has no list of systems' };
  const notes = [];
  const systems = [];
  const ids = new Set();
  data.systems.forEach((s, i) => {
    if (!isObject(s)) { notes.push(`entry ${i + 1} of "systems" is not an object`); return; }
    let id = str(s.id) ?? `system-${i + 1}`;
    while (ids.has(id)) id += '+';
    ids.add(id);
    const byLength = new Map();
    if (isObject(s.by_length)) {
      for (const k of Object.keys(s.by_length)) {
        const v = scores(s.by_length[k]);
        if (v && str(k)) byLength.set(k, v);
      }
    }
    systems.push({
      id, label: str(s.label) ?? str(s.id) ?? `System ${i + 1}`,
      model: str(s.model), search: str(s.search), overall: scores(s.overall), byLength,
    });
  });
  if (systems.length > MAX_SYSTEMS) notes.push(`only the first ${MAX_SYSTEMS} of its ${systems.length} systems are shown`);
  systems.length = Math.min(systems.length, MAX_SYSTEMS);
  if (!systems.length) return { ok: false, error: notes.length ? notes.join('; ') : 'its list of systems is empty' };
  // the file's own bucket order, then any bucket only a system names
  const buckets = [];
  const add = (b) => { if (str(b) && !buckets.includes(b)) buckets.push(b); };
  if (Array.isArray(data.buckets)) data.buckets.forEach(add);
  for (const s of systems) for (const b of s.byLength.keys()) add(b);
  if (buckets.length > MAX_BUCKETS) notes.push(`only the first ${MAX_BUCKETS} of its ${buckets.length} length buckets are shown`);
  buckets.length = Math.min(buckets.length, MAX_BUCKETS);
  colour(systems);
  return {
    ok: true,
    results: {
      direction: str(data.direction), test: str(data.test), testPairs: num(data.test_pairs),
      commit: str(data.commit), date: str(data.date), buckets, systems, notes,
    },
  };
}

/** Gives each system its series number (1-based colour class) and marker shape. */
function colour(systems) {
  const used = new Set();
  for (const s of systems) {
    const k = KNOWN.indexOf(s.id);
    if (k >= 0 && !used.has(k)) { s.series = k; used.add(k); }
  }
  let next = 0;
  for (const s of systems) {
    if (s.series !== undefined) continue;
    while (used.has(next)) next++;
    s.series = next;
    used.add(next);
  }
  for (const s of systems) {
    s.colourClass = `series-${(s.series % SERIES) + 1}`;
    s.shape = SHAPES[s.series % SHAPES.length];
  }
}

/** A system's colour class and marker shape by its id (what the chart would give it alone). */
export function seriesOf(id) {
  const k = Math.max(0, KNOWN.indexOf(id));
  return { colourClass: `series-${(k % SERIES) + 1}`, shape: SHAPES[k % SHAPES.length] };
}

function svgEl(name, attrs = {}, text) {
  const n = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

/** The path of a marker of `shape` centred on (x, y). */
function markerPath(shape, x, y, r = 5) {
  const f = (v) => Math.round(v * 10) / 10;
  const P = (pts) => `M${pts.map(([a, b]) => `${f(a)},${f(b)}`).join('L')}Z`;
  switch (shape) {
    case 'square': return P([[x - r, y - r], [x + r, y - r], [x + r, y + r], [x - r, y + r]]);
    case 'triangle': return P([[x, y - r * 1.2], [x + r * 1.15, y + r * 0.8], [x - r * 1.15, y + r * 0.8]]);
    case 'down': return P([[x, y + r * 1.2], [x + r * 1.15, y - r * 0.8], [x - r * 1.15, y - r * 0.8]]);
    case 'diamond': return P([[x, y - r * 1.3], [x + r * 1.1, y], [x, y + r * 1.3], [x - r * 1.1, y]]);
    case 'cross': {
      const a = r * 0.45;
      return P([[x - a, y - r], [x + a, y - r], [x + a, y - a], [x + r, y - a], [x + r, y + a], [x + a, y + a], [x + a, y + r],
        [x - a, y + r], [x - a, y + a], [x - r, y + a], [x - r, y - a], [x - a, y - a]]);
    }
    default: return `M${f(x - r)},${f(y)}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0Z`;
  }
}

/** A small legend sample: a stretch of the system's line with its marker. */
export function swatch({ colourClass, shape }) {
  const s = svgEl('svg', { class: `swatch series ${colourClass}`, viewBox: '0 0 30 14', width: 30, height: 14, 'aria-hidden': 'true', focusable: 'false' });
  s.append(svgEl('path', { class: 'line', d: 'M1,7H29' }), svgEl('path', { class: 'marker', d: markerPath(shape, 15, 7, 4) }));
  return s;
}

// 0 to a round number above the highest score, in 4-6 steps.
function scale(max) {
  const top = Math.max(max, 1);
  for (const step of [0.5, 1, 2, 5, 10, 20, 25]) {
    const n = Math.ceil(top / step);
    if (n <= 6) return { max: n * step, step };
  }
  return { max: 100, step: 20 };
}

const fmt = (v) => (v === null ? '—' : v.toFixed(1));
const count = (n) => (n === null ? '—' : Math.round(n).toLocaleString('en'));

// 'words 1-10' -> '1-10' when every bucket is named that way (the axis title then says "words")
function tickNames(buckets) {
  const words = buckets.length > 0 && buckets.every((b) => /^words\s+\S/.test(b));
  return { words, names: buckets.map((b) => (words ? b.replace(/^words\s+/, '') : b)) };
}

function drawChart(host, legend, R) {
  const { buckets, systems } = R;
  const { words, names } = tickNames(buckets);
  const values = systems.flatMap((s) => [...s.byLength.values()].map((v) => v.bleu).filter((v) => v !== null));
  const { max, step } = scale(Math.max(0, ...values));
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  const x = (i) => M.left + (buckets.length === 1 ? pw / 2 : (i / (buckets.length - 1)) * pw);
  const y = (v) => M.top + (1 - Math.min(max, Math.max(0, v)) / max) * ph;

  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, class: 'length-chart', role: 'img', 'aria-labelledby': 'chart-title chart-desc', preserveAspectRatio: 'xMidYMid meet' });
  svg.append(svgEl('title', { id: 'chart-title' }, 'BLEU by source sentence length, one line per system'));
  svg.append(svgEl('desc', { id: 'chart-desc' }, describe(R)));
  const grid = svgEl('g', { class: 'grid' });
  for (let v = 0; v <= max + 1e-9; v += step) {
    grid.append(svgEl('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }));
    grid.append(svgEl('text', { class: 'tick', x: M.left - 8, y: y(v), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, String(Math.round(v * 10) / 10)));
  }
  names.forEach((n, i) => {
    grid.append(svgEl('text', { class: 'tick', x: x(i), y: H - M.bottom + 18, 'text-anchor': 'middle' }, n));
  });
  grid.append(svgEl('line', { class: 'axis', x1: M.left, x2: M.left, y1: M.top, y2: M.top + ph }));
  grid.append(svgEl('line', { class: 'axis', x1: M.left, x2: W - M.right, y1: M.top + ph, y2: M.top + ph }));
  svg.append(grid);
  svg.append(svgEl('text', { class: 'axis-title', x: M.left + pw / 2, y: H - 12, 'text-anchor': 'middle' },
    words ? 'Length of the English sentence (words)' : 'Length of the English sentence'));
  svg.append(svgEl('text', { class: 'axis-title', transform: `translate(14 ${M.top + ph / 2}) rotate(-90)`, 'text-anchor': 'middle' }, 'BLEU (higher is better)'));

  legend.replaceChildren();
  for (const s of systems) {
    const g = svgEl('g', { class: `series ${s.colourClass}`, 'data-system': s.id });
    // one path per system; a bucket it has no number for breaks the line there
    let d = '', pen = false;
    const markers = [];
    buckets.forEach((b, i) => {
      const v = s.byLength.get(b);
      if (!v || v.bleu === null) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v.bleu).toFixed(1)}`;
      pen = true;
      const m = svgEl('path', { class: 'marker', d: markerPath(s.shape, x(i), y(v.bleu)), 'data-bucket': b, 'data-bleu': v.bleu });
      m.append(svgEl('title', {}, `${s.label}, ${b}: BLEU ${fmt(v.bleu)}${v.chrf2 !== null ? `, chrF2 ${fmt(v.chrf2)}` : ''}${v.sentences !== null ? `, ${count(v.sentences)} sentences` : ''}`));
      markers.push(m);
    });
    if (d) g.append(svgEl('path', { class: 'line', d }));
    g.append(...markers);
    svg.append(g);

    const li = document.createElement('li');
    li.dataset.system = s.id;
    const name = document.createElement('span');
    name.textContent = s.label + (s.search ? ` (${s.search})` : '') + (markers.length ? '' : ': no numbers by length');
    li.append(swatch(s), name);
    legend.append(li);
  }
  host.replaceChildren(svg);
}

// The chart in words, for screen readers (the table below has every number).
function describe({ buckets, systems }) {
  const parts = systems.map((s) => {
    const pts = buckets.map((b) => [b, s.byLength.get(b)?.bleu ?? null]).filter(([, v]) => v !== null);
    if (!pts.length) return `${s.label}: no numbers by length`;
    if (pts.length === 1) return `${s.label}: ${fmt(pts[0][1])} (${pts[0][0]})`;
    const [first, last] = [pts[0], pts.at(-1)];
    return `${s.label}: from ${fmt(first[1])} (${first[0]}) to ${fmt(last[1])} (${last[0]})`;
  });
  return `BLEU of each system on test sentences grouped by length. ${parts.join('; ')}.`;
}

function fillTable(table, R) {
  const { buckets, systems } = R;
  const th = (text, attrs = {}) => {
    const n = document.createElement('th');
    n.textContent = text;
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    return n;
  };
  const r1 = document.createElement('tr'), r2 = document.createElement('tr');
  r1.append(th('English sentence length', { scope: 'col', rowspan: 2 }), th('Sentences', { scope: 'col', rowspan: 2 }));
  for (const s of systems) {
    const h = th(s.label, { scope: 'colgroup', colspan: 2 });
    h.dataset.system = s.id;
    if (s.search) {
      const sub = document.createElement('span');
      sub.className = 'sub';
      sub.textContent = ` ${s.search}`;
      h.append(sub);
    }
    r1.append(h);
    r2.append(th('BLEU', { scope: 'col' }), th('chrF2', { scope: 'col' }));
  }
  table.tHead.replaceChildren(r1, r2);
  const row = (name, key, pick) => {
    const tr = document.createElement('tr');
    tr.dataset.bucket = key;
    tr.append(th(name, { scope: 'row' }));
    // the systems were scored on the same sentences, so one count; if they
    // disagree (a file put together by hand), each count is shown
    const counts = [...new Set(systems.map((s) => pick(s)?.sentences).filter((n) => n !== null && n !== undefined))];
    const c = document.createElement('td');
    c.className = 'num';
    c.dataset.metric = 'sentences';
    c.textContent = counts.length ? counts.map(count).join(' / ') : '—';
    tr.append(c);
    for (const s of systems) {
      for (const metric of ['bleu', 'chrf2']) {
        const v = pick(s)?.[metric] ?? null;
        const td = document.createElement('td');
        td.className = 'num';
        Object.assign(td.dataset, { system: s.id, metric });
        td.textContent = fmt(v);
        if (v === null) td.title = 'not measured';
        tr.append(td);
      }
    }
    return tr;
  };
  const rows = buckets.map((b) => row(b, b, (s) => s.byLength.get(b)));
  rows.push(row('All lengths', 'overall', (s) => s.overall));
  table.tBodies[0].replaceChildren(...rows);
}

function sourceLine(p, R) {
  const code = (t) => { const c = document.createElement('code'); c.textContent = t; return c; };
  const bits = [];
  if (R.test) bits.push(`on ${R.test}${R.testPairs !== null ? ` (${count(R.testPairs)} sentence pairs)` : ''}`);
  if (R.commit) bits.push(`at commit ${R.commit}`);
  if (R.date) bits.push(`on ${R.date}`);
  p.replaceChildren(
    `Scores ${bits.length ? `measured ${bits.join(', ')}` : 'of unknown origin'}. `,
    code('npm run eval'), ' writes them to ', code('web/architectures.json'), '.',
    R.notes.length ? ` (In that file: ${R.notes.join('; ')}.)` : '',
  );
}

/**
 * Fetches `url` and fills el = { chart, legend, figure, table, source, message }.
 * Resolves to 'ready' or 'error'; never rejects.
 */
export async function loadLengthChart(url, el) {
  const fail = (text) => {
    el.figure.hidden = true;
    el.table.hidden = true;
    el.message.textContent = text;
    el.message.hidden = false;
    return 'error';
  };
  let text;
  try {
    const res = await fetch(url);
    if (res.status === 404) return fail('No evaluation results on this site yet: web/architectures.json is missing. Run “npm run eval” to write it.');
    if (!res.ok) return fail(`The evaluation results (web/architectures.json) could not be loaded: HTTP ${res.status}.`);
    text = await res.text();
  } catch (e) {
    return fail(`The evaluation results (web/architectures.json) could not be loaded: ${e?.message || e}. If you are offline, open this page once while online.`);
  }
  let checked;
  try {
    checked = readResults(JSON.parse(text));
  } catch {
    checked = { ok: false, error: 'it is not valid JSON' };
  }
  if (!checked.ok) return fail(`The evaluation results in web/architectures.json are malformed (${checked.error}), so there is no chart. Running “npm run eval” writes them again.`);
  try {
    drawChart(el.chart, el.legend, checked.results);
    fillTable(el.table, checked.results);
    sourceLine(el.source, checked.results);
  } catch (e) {
    return fail(`The chart could not be drawn: ${e?.message || e}`);
  }
  el.message.hidden = true;
  el.figure.hidden = false;
  el.table.hidden = false;
  return 'ready';
}
