// heatmap.js — the attention heatmap: target pieces (e.g. Spanish) as rows, source
// pieces (e.g. English) as columns, drawn on a <canvas>, with the pieces as
// focusable buttons and the weights as a table (the text alternative).
// Hovering a cell or a piece, or focusing a piece, links the two sides:
// a target piece highlights the source pieces it attends to, a source piece
// the target pieces that attend to it. Text only ever goes in through
// textContent and canvas fillText, never as HTML.
// For a Transformer (a result with attentionHeads) a layer and a head select
// pick which cross-attention is drawn; the default, the last layer's mean of
// heads, is the result's own `attention`. A third select switches to the
// encoder's self-attention (encoderAttention): source pieces as rows and as
// columns, with the same layer and head selects over the encoder's layers.
// translateWithAttention asks a translator for what the selects need.

const FONT = '12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
const MIN_CELL = 16;
const MAX_CELL = 30;
const MAX_LABEL = 16; // characters of a piece shown on the canvas
const PAD = 8;

function label(piece) {
  return piece.length > MAX_LABEL ? piece.slice(0, MAX_LABEL - 1) + '…' : piece;
}

function parseColor(css, fallback) {
  const s = css.trim();
  let m = /^#([0-9a-f]{6})$/i.exec(s);
  if (m) return [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16));
  m = /^#([0-9a-f]{3})$/i.exec(s);
  if (m) return [0, 1, 2].map((i) => parseInt(m[1][i] + m[1][i], 16));
  m = /^rgba?\(([^)]+)\)$/.exec(s);
  if (m) return m[1].split(/[ ,]+/).slice(0, 3).map(Number);
  return fallback;
}

function rgb(c) { return `rgb(${c.map((v) => Math.round(v)).join(',')})`; }

function pct(w) { return `${Math.round(w * 100)}%`; }

/**
 * `t.translate(text, opts)` with the attention a Heatmap can show: a Transformer's
 * every layer and head (attention: 'heads') for the selects, an RNN's one map; a
 * text too long for the heads' weights keeps the one map.
 */
export async function translateWithAttention(t, text, opts) {
  // the architecture of the model as loaded: fine-tuning never changes it
  if (t.model.architectureName !== 'transformer') return t.translate(text, { ...opts, attention: true });
  try {
    return await t.translate(text, { ...opts, attention: 'heads' });
  } catch (e) {
    if (e?.name !== 'InputTooLongError') throw e;
    return t.translate(text, { ...opts, attention: true });
  }
}

export class Heatmap {
  constructor(el) {
    // el: { canvas, wrap, srcList, tgtList, info, summary, table, exportButton, and for
    // Transformers headView, kindSelect, layerSelect, layerLabel, headSelect, and the
    // parts that change with the view: crossHelp, selfHelp, tgtRow }
    this.el = el;
    this.names = { src: 'English', tgt: 'Spanish' }; // the languages' names, for labels
    this.data = null;  // what is drawn: { src (columns), tgt (rows), att (one array per row), self }
    this.result = null; // { src, tgt } pieces of the translation shown
    this.heads = null; // the result's attentionHeads, when it has them
    this.encoder = null; // the result's encoderAttention, when it has it
    this.mean = null;  // the result's own attention (the last layer's mean of heads)
    this.picked = {};  // per view ('cross', 'encoder'): the { layer, head } the user chose last
    el.kindSelect?.addEventListener('change', () => { this.#selects(); this.#pick(); });
    const remember = () => {
      const v = this.view;
      if (v) this.picked[v.kind] = { layer: el.layerSelect.value, head: el.headSelect.value };
      this.#pick();
    };
    el.layerSelect?.addEventListener('change', remember);
    el.headSelect?.addEventListener('change', remember);
    this.sel = null;
    this.layout = null;
    const c = el.canvas;
    c.addEventListener('pointermove', (e) => this.#pointer(e));
    c.addEventListener('pointerdown', (e) => this.#pointer(e));
    c.addEventListener('pointerleave', () => this.link(null));
    for (const [list, side] of [[el.srcList, 's'], [el.tgtList, 't']]) {
      const on = (e) => {
        const b = e.target.closest('button.chip');
        // in the encoder's view the source pieces are the rows too: a piece shows what it attends to
        if (b) this.link({ [this.data?.self ? 't' : side]: Number(b.dataset.i) });
      };
      list.addEventListener('pointerover', on);
      list.addEventListener('focusin', on);
      list.addEventListener('pointerleave', () => { if (!list.contains(document.activeElement)) this.link(null); });
      list.addEventListener('focusout', (e) => { if (!list.contains(e.relatedTarget)) this.link(null); });
    }
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.redraw());
    let width = el.wrap.clientWidth;
    new ResizeObserver(() => {
      if (el.wrap.clientWidth !== width) { width = el.wrap.clientWidth; this.redraw(); }
    }).observe(el.wrap);
  }

  /** Shows a translation's attention: { sourceTokens, targetTokens, attention, attentionHeads?, encoderAttention? }. */
  show(result) {
    const ok = result && result.attention && result.targetTokens.length && result.sourceTokens.length;
    const S = ok ? result.sourceTokens.length : 0;
    this.result = ok ? { src: result.sourceTokens, tgt: result.targetTokens } : null;
    const h = ok ? result.attentionHeads : null;
    this.heads = h && h.rows === result.targetTokens.length && h.cols === S ? h : null;
    const e = this.heads ? result.encoderAttention : null;
    this.encoder = e && e.rows === S && e.cols === S && e.heads > 0 ? e : null;
    this.mean = ok ? result.attention : null;
    this.#selects();
    this.#select();
    this.#render();
  }

  /**
   * Which map is drawn: { kind: 'cross' | 'encoder', layer, head } (head 'mean' for the
   * mean of heads), or null without heads.
   */
  get view() {
    if (!this.heads) return null;
    const kind = this.encoder && this.el.kindSelect?.value === 'encoder' ? 'encoder' : 'cross';
    const head = this.el.headSelect.value;
    return { kind, layer: Number(this.el.layerSelect.value), head: head === 'mean' ? 'mean' : Number(head) };
  }

  // Fills the selects for this result's heads and the view chosen (keeping the
  // user's last choice in that view when it still exists), or hides them for a
  // model without heads (RNN).
  #selects() {
    const { headView, kindSelect, layerSelect, layerLabel, headSelect } = this.el;
    if (!headView) return;
    headView.hidden = !this.heads;
    if (!this.heads) return;
    const option = (value, text) => {
      const o = document.createElement('option');
      o.value = String(value);
      o.textContent = text;
      return o;
    };
    if (kindSelect) {
      const was = this.encoder ? kindSelect.value : 'cross';
      kindSelect.replaceChildren(
        option('cross', `cross-attention (${this.names.tgt} × ${this.names.src})`),
        ...(this.encoder ? [option('encoder', `encoder self-attention (${this.names.src} × ${this.names.src})`)] : []));
      kindSelect.value = was === 'encoder' ? 'encoder' : 'cross';
    }
    const kind = this.view.kind;
    const { layers, heads } = kind === 'encoder' ? this.encoder : this.heads;
    if (layerLabel) layerLabel.textContent = kind === 'encoder' ? 'Encoder layer' : 'Decoder layer';
    const keep = (select, options, wanted, fallback) => {
      select.replaceChildren(...options);
      select.value = options.some((o) => o.value === wanted) ? wanted : fallback;
    };
    const picked = this.picked[kind];
    keep(layerSelect, Array.from({ length: layers }, (_, l) => option(l, `${l + 1} of ${layers}${l === layers - 1 ? ' (last)' : ''}`)), picked?.layer, String(layers - 1));
    keep(headSelect, [option('mean', 'mean of heads'), ...Array.from({ length: heads }, (_, k) => option(k, `head ${k + 1} of ${heads}`))], picked?.head, 'mean');
  }

  // What is drawn: the chosen layer's and head's rows (or mean of the
  // layer's heads) of the cross-attention or of the encoder's self-attention.
  #select() {
    const res = this.result;
    const v = this.view;
    if (!res) { this.data = null; return; }
    if (!v || (v.kind === 'cross' && v.layer === this.heads.layers - 1 && v.head === 'mean')) {
      this.data = { src: res.src, tgt: res.tgt, att: this.mean, self: false };
      return;
    }
    const self = v.kind === 'encoder';
    const { heads, rows, cols, data } = self ? this.encoder : this.heads;
    const att = [];
    for (let r = 0; r < rows; r++) {
      const row = new Float32Array(cols);
      for (let k = 0; k < heads; k++) {
        if (v.head !== 'mean' && v.head !== k) continue;
        const at = ((v.layer * heads + k) * rows + r) * cols;
        const w = v.head === 'mean' ? 1 / heads : 1;
        for (let c = 0; c < cols; c++) row[c] += w * data[at + c];
      }
      att.push(row);
    }
    this.data = { src: res.src, tgt: self ? res.src : res.tgt, att, self };
  }

  #pick() {
    this.#select();
    this.#render();
  }

  #render() {
    this.sel = null;
    const self = !!this.data?.self;
    const { crossHelp, selfHelp, tgtRow } = this.el;
    if (crossHelp) crossHelp.hidden = self;
    if (selfHelp) selfHelp.hidden = !self;
    if (tgtRow) tgtRow.hidden = self;
    this.#chips();
    this.#table();
    this.#summary();
    this.el.exportButton.disabled = !this.data;
    this.el.info.textContent = '';
    this.redraw();
  }

  /** The rows (target pieces) and columns (source pieces) shown. */
  get dims() { return this.data ? { rows: this.data.tgt.length, cols: this.data.src.length } : { rows: 0, cols: 0 }; }

  #chips() {
    const { srcList, tgtList } = this.el;
    const fill = (list, pieces, side) => {
      const items = (pieces ?? []).map((p, i) => {
        const li = document.createElement('li');
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'chip';
        b.dataset.i = String(i);
        b.textContent = p;
        b.setAttribute('aria-label', `${side} piece ${i + 1} of ${pieces.length}: ${p.replace(/▁/g, ' ').trim() || p}`);
        li.append(b);
        return li;
      });
      list.replaceChildren(...items);
    };
    fill(srcList, this.data?.src, this.names.src);
    fill(tgtList, this.data?.self ? null : this.data?.tgt, this.names.tgt);
  }

  /** The languages' names of the rows and of the columns drawn. */
  get #sides() {
    return { row: this.data?.self ? this.names.src : this.names.tgt, col: this.names.src };
  }

  #table() {
    const table = this.el.table;
    const thead = table.tHead, tbody = table.tBodies[0];
    const { row: rowName, col: colName } = this.#sides;
    if (table.caption) {
      table.caption.textContent = this.data?.self
        ? `The encoder's self-attention of each ${colName} piece (rows) over the ${colName} pieces (columns), in percent`
        : `Attention of each ${rowName} piece (rows) over the ${colName} pieces (columns), in percent`;
    }
    if (!this.data) { thead.replaceChildren(); tbody.replaceChildren(); return; }
    const { src, tgt, att } = this.data;
    const hr = document.createElement('tr');
    const corner = document.createElement('td');
    hr.append(corner);
    for (const p of src) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = p;
      hr.append(th);
    }
    thead.replaceChildren(hr);
    const rows = tgt.map((p, t) => {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = p;
      tr.append(th);
      const row = att[t];
      let best = 0;
      for (let s = 1; s < src.length; s++) if (row[s] > row[best]) best = s;
      for (let s = 0; s < src.length; s++) {
        const td = document.createElement('td');
        td.textContent = String(Math.round(row[s] * 100));
        td.dataset.w = String(row[s]); // the exact weight drawn (for tests and tools)
        if (s === best) td.className = 'peak';
        tr.append(td);
      }
      return tr;
    });
    tbody.replaceChildren(...rows);
  }

  #summary() {
    const { canvas, summary } = this.el;
    if (!this.data) {
      canvas.setAttribute('aria-label', 'Attention heatmap: nothing translated yet');
      summary.textContent = '';
      return;
    }
    const { src, tgt, att, self } = this.data;
    const { row: rowName, col: colName } = this.#sides;
    const v = this.view;
    const which = v ? ` (${self ? 'encoder' : 'decoder'} layer ${v.layer + 1}, ${v.head === 'mean' ? 'mean of heads' : `head ${v.head + 1}`})` : '';
    canvas.setAttribute('aria-label', `${self ? 'Encoder self-attention' : 'Attention'} heatmap${which}: ${tgt.length} ${rowName} pieces (rows) by ${src.length} ${colName} pieces (columns)`);
    const links = tgt.slice(0, 12).map((p, t) => {
      let best = 0;
      for (let s = 1; s < src.length; s++) if (att[t][s] > att[t][best]) best = s;
      return `${p} ← ${src[best]} (${pct(att[t][best])})`;
    });
    summary.textContent = `${self ? "The encoder's self-attention: " : ''}${tgt.length} ${rowName} pieces × ${src.length} ${colName} pieces. Strongest link of each ${rowName} piece: ${links.join('; ')}${tgt.length > 12 ? '; … (all in the table below)' : '.'}`;
  }

  /** Highlights a target row { t }, a source column { s }, a cell { t, s }, or nothing (null). */
  link(sel) {
    if (!this.data) sel = null;
    const same = (a, b) => (a?.t ?? -1) === (b?.t ?? -1) && (a?.s ?? -1) === (b?.s ?? -1);
    if (same(sel, this.sel)) return;
    this.sel = sel;
    const srcChips = [...this.el.srcList.querySelectorAll('button.chip')];
    // in the encoder's view the source pieces are both the rows and the columns
    const tgtChips = this.data?.self ? srcChips : [...this.el.tgtList.querySelectorAll('button.chip')];
    for (const b of [...srcChips, ...tgtChips]) b.classList.remove('linked', 'linked-strong', 'active');
    const info = this.el.info;
    if (!sel) { info.textContent = ''; this.#draw(); return; }
    const { src, tgt, att } = this.data;
    const names = { tgt: this.#sides.row, src: this.#sides.col };
    const has = (k) => Number.isInteger(sel[k]);
    if (has('t') && has('s')) {
      tgtChips[sel.t]?.classList.add('active');
      srcChips[sel.s]?.classList.add('active');
      info.textContent = `${names.tgt} “${tgt[sel.t]}” → ${names.src} “${src[sel.s]}”: ${pct(att[sel.t][sel.s])} of its attention.`;
    } else if (has('t')) {
      const row = att[sel.t];
      let best = 0;
      for (let s = 1; s < src.length; s++) if (row[s] > row[best]) best = s;
      const others = [];
      for (let s = 0; s < src.length; s++) {
        if (s === best) srcChips[s]?.classList.add('linked-strong');
        else if (row[s] >= 0.1 && row[s] >= row[best] / 2) { srcChips[s]?.classList.add('linked'); others.push(s); }
      }
      tgtChips[sel.t]?.classList.add('active');
      info.textContent = `${names.tgt} “${tgt[sel.t]}” attends most to ${names.src} “${src[best]}” (${pct(row[best])})` +
        (others.length ? `, then ${others.map((s) => `“${src[s]}” (${pct(row[s])})`).join(', ')}.` : '.');
    } else if (has('s')) {
      const strong = [], weak = [];
      for (let t = 0; t < tgt.length; t++) {
        const row = att[t];
        let best = 0;
        for (let s = 1; s < src.length; s++) if (row[s] > row[best]) best = s;
        if (best === sel.s) { strong.push(t); tgtChips[t]?.classList.add('linked-strong'); }
        else if (row[sel.s] >= 0.25) { weak.push(t); tgtChips[t]?.classList.add('linked'); }
      }
      srcChips[sel.s]?.classList.add('active');
      info.textContent = strong.length || weak.length
        ? `${names.src} “${src[sel.s]}” is attended to by ${[...strong, ...weak].map((t) => `“${tgt[t]}” (${pct(att[t][sel.s])})`).join(', ')}.`
        : `No ${names.tgt} piece attends much to ${names.src} “${src[sel.s]}”.`;
    }
    this.#draw();
  }

  #pointer(e) {
    const L = this.layout;
    if (!L || !this.data) return;
    const r = this.el.canvas.getBoundingClientRect();
    const x = e.clientX - r.left, y = e.clientY - r.top;
    const s = Math.floor((x - L.left) / L.cell), t = Math.floor((y - L.top) / L.cell);
    const inCols = s >= 0 && s < L.cols, inRows = t >= 0 && t < L.rows;
    if (inCols && inRows) this.link({ t, s });
    else if (inRows && x < L.left) this.link({ t });
    else if (inCols && y < L.top) this.link({ s });
    else this.link(null);
  }

  #colors() {
    const cs = getComputedStyle(this.el.canvas);
    const v = (k, f) => parseColor(cs.getPropertyValue(k), f);
    return {
      low: v('--heat-low', [255, 255, 255]),
      high: v('--heat-high', [11, 61, 145]),
      grid: rgb(v('--heat-grid', [227, 230, 234])),
      mark: rgb(v('--heat-mark', [217, 72, 15])),
      text: rgb(v('--heat-text', [29, 31, 33])),
    };
  }

  #measure(ctx) {
    const { src, tgt } = this.data;
    ctx.font = FONT;
    const w = (arr) => Math.ceil(Math.max(0, ...arr.map((p) => ctx.measureText(label(p)).width)));
    const avail = Math.max(200, this.el.wrap.clientWidth - 2);
    const leftW = w(tgt) + 2 * PAD;
    const topH = w(src) + 2 * PAD;
    const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor((avail - leftW - PAD) / src.length)));
    return {
      left: leftW, top: topH, cell, rows: tgt.length, cols: src.length,
      width: leftW + cell * src.length + PAD, height: topH + cell * tgt.length + PAD,
    };
  }

  redraw() {
    const c = this.el.canvas;
    if (!this.data) {
      this.layout = null;
      c.width = 1; c.height = 1;
      c.style.width = '0px'; c.style.height = '0px'; // CSSOM, allowed by style-src 'self'
      for (const k of ['rows', 'cols', 'left', 'top', 'cell']) delete c.dataset[k];
      return;
    }
    const ctx = c.getContext('2d');
    const L = this.#measure(ctx);
    const dpr = Math.min(3, window.devicePixelRatio || 1);
    c.width = Math.ceil(L.width * dpr);
    c.height = Math.ceil(L.height * dpr);
    c.style.width = `${L.width}px`;
    c.style.height = `${L.height}px`;
    c.dataset.rows = String(L.rows);
    c.dataset.cols = String(L.cols);
    Object.assign(c.dataset, { left: String(L.left), top: String(L.top), cell: String(L.cell) }); // for tests
    this.layout = L;
    this.#draw();
  }

  #draw() {
    const c = this.el.canvas;
    if (!this.layout || !this.data) return;
    const dpr = c.width / this.layout.width;
    paint(c.getContext('2d'), this.data, this.layout, this.#colors(), dpr, this.sel);
  }

  /** The heatmap as a PNG (twice the layout's size, no highlight). */
  toPngBlob() {
    if (!this.data || !this.layout) return Promise.resolve(null);
    const L = this.layout, scale = 2;
    const c = document.createElement('canvas');
    c.width = L.width * scale;
    c.height = L.height * scale;
    paint(c.getContext('2d'), this.data, L, this.#colors(), scale, null);
    return new Promise((resolve) => c.toBlob(resolve, 'image/png'));
  }
}

function paint(ctx, data, L, col, scale, sel) {
  const { src, tgt, att } = data;
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.fillStyle = rgb(col.low);
  ctx.fillRect(0, 0, L.width, L.height);
  const cell = L.cell;
  // cells: weight^0.6 so that small weights stay visible
  for (let t = 0; t < L.rows; t++) {
    const row = att[t];
    for (let s = 0; s < L.cols; s++) {
      const k = Math.pow(Math.min(1, Math.max(0, row[s])), 0.6);
      ctx.fillStyle = rgb(col.low.map((lo, i) => lo + (col.high[i] - lo) * k));
      ctx.fillRect(L.left + s * cell, L.top + t * cell, cell, cell);
    }
  }
  // grid
  ctx.strokeStyle = col.grid;
  ctx.lineWidth = 1 / scale;
  ctx.beginPath();
  for (let s = 0; s <= L.cols; s++) { ctx.moveTo(L.left + s * cell, L.top); ctx.lineTo(L.left + s * cell, L.top + L.rows * cell); }
  for (let t = 0; t <= L.rows; t++) { ctx.moveTo(L.left, L.top + t * cell); ctx.lineTo(L.left + L.cols * cell, L.top + t * cell); }
  ctx.stroke();
  // labels
  ctx.font = FONT;
  ctx.textBaseline = 'middle';
  const hiT = Number.isInteger(sel?.t) ? sel.t : -1, hiS = Number.isInteger(sel?.s) ? sel.s : -1;
  ctx.textAlign = 'right';
  for (let t = 0; t < L.rows; t++) {
    ctx.fillStyle = t === hiT ? col.mark : col.text;
    ctx.fillText(label(tgt[t]), L.left - PAD, L.top + t * cell + cell / 2);
  }
  ctx.save();
  ctx.textAlign = 'left';
  for (let s = 0; s < L.cols; s++) {
    ctx.save();
    ctx.translate(L.left + s * cell + cell / 2, L.top - PAD);
    ctx.rotate(-Math.PI / 2);
    ctx.fillStyle = s === hiS ? col.mark : col.text;
    ctx.fillText(label(src[s]), 0, 0);
    ctx.restore();
  }
  ctx.restore();
  // highlight
  ctx.strokeStyle = col.mark;
  ctx.lineWidth = 2;
  if (hiT >= 0) ctx.strokeRect(L.left - 1, L.top + hiT * cell, L.cols * cell + 2, cell);
  if (hiS >= 0) ctx.strokeRect(L.left + hiS * cell, L.top - 1, cell, L.rows * cell + 2);
  if (hiT >= 0 && hiS >= 0) {
    ctx.lineWidth = 3;
    ctx.strokeRect(L.left + hiS * cell + 1.5, L.top + hiT * cell + 1.5, cell - 3, cell - 3);
  }
}
