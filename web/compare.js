// compare.js — the architecture comparison page (compare.html): one English
// sentence translated by three English -> Spanish models side by side (the
// LSTM without attention, the LSTM with attention, the Transformer), each
// under its own attention heatmap (the Transformer's with a decoder layer and
// a head select, as on the main page), and each system's BLEU by sentence
// length from architectures.json (lengthchart.js).
//
// The models are config.js's en-es `baseline`, `model` and `transformer`,
// each checked against its optional integrity (`baselineIntegrity`,
// `integrity`, `transformerIntegrity`). Each loads the first time a
// translation needs it, in its own Web Worker (or in the page when workers
// fail); one that cannot be loaded says so in its pane and the others go on.
// Text is shown through textContent only.

import { WorkerTranslator, Translator } from '../src/js/index.js';
import { CONFIG } from './config.js';
import { Heatmap, translateWithAttention } from './heatmap.js';
import { loadLengthChart, seriesOf, swatch } from './lengthchart.js';

const $ = (id) => document.getElementById(id);
const root = document.documentElement;
const DIRECTION = 'en-es';
const SLOTS = [
  { id: 'noattn', key: 'baseline', integrityKey: 'baselineIntegrity', name: 'LSTM, no attention' },
  { id: 'attention', key: 'model', integrityKey: 'integrity', name: 'LSTM with attention' },
  { id: 'transformer', key: 'transformer', integrityKey: 'transformerIntegrity', name: 'Transformer' },
];
const MB = (n) => `${(n / 1048576).toFixed(n < 1048576 ? 2 : 1)} MB`;
const fileName = (path) => String(path).split('/').pop();

let mode = 'worker'; // 'main' once a Web Worker failed to start: every model then runs in the page

function describeError(e) {
  if (!e) return 'unknown error';
  if (e.name === 'ModelError') return `not a usable model file: ${e.message}`;
  if (e.name === 'IntegrityError') return `the file is not the one the site expects (${e.message})`;
  return e.message || String(e);
}

/** A copy of the pane template with its ids made unique by the slot's id. */
function stampPane(slot) {
  const node = $('pane-template').content.firstElementChild.cloneNode(true);
  node.id = `pane-${slot.id}`;
  node.dataset.system = slot.id;
  node.setAttribute('aria-labelledby', `${slot.id}-title`);
  for (const n of node.querySelectorAll('[data-part]')) n.id = `${slot.id}-${n.dataset.part}`;
  for (const n of node.querySelectorAll('[for], [aria-labelledby], [aria-describedby]')) {
    for (const a of ['for', 'aria-labelledby', 'aria-describedby']) {
      const v = n.getAttribute(a);
      if (v) n.setAttribute(a, v.replace(/@([\w-]+)/g, `${slot.id}-$1`));
    }
  }
  const title = node.querySelector('.pane-name');
  title.textContent = slot.name;
  title.before(swatch(seriesOf(slot.id)), ' ');
  return node;
}

class Pane {
  constructor(slot) {
    this.slot = slot;
    this.node = stampPane(slot);
    $('panes').append(this.node);
    const part = (p) => $(`${slot.id}-${p}`);
    this.el = {
      progress: part('progress'), state: part('state'), target: part('target'), info: part('info'),
      attNote: part('att-note'), attention: part('attention'), attCaption: part('att-caption'),
    };
    this.heatmap = new Heatmap({
      canvas: part('heatmap'), wrap: part('heatmap-wrap'), srcList: part('src-pieces'), tgtList: part('tgt-pieces'),
      info: part('link-info'), summary: part('summary'), table: part('table'), exportButton: part('export'),
      headView: part('head-view'), layerSelect: part('att-layer'), headSelect: part('att-head'),
    });
    part('export').addEventListener('click', () => this.exportPng());
    this.heatmap.show(null);
    this.loading = null; // Promise<translator | null>, once asked for
    this.model = null;   // the loaded model's description
    this.setState('idle', 'Not loaded yet: it loads when you translate.');
  }

  get config() {
    const d = CONFIG.directions?.[DIRECTION];
    return { path: d?.[this.slot.key] ?? null, integrity: d?.[this.slot.integrityKey] ?? null };
  }

  setState(state, text) {
    this.node.dataset.state = state;
    this.el.state.textContent = text;
  }

  /** The pane's translator, created on first use; null (with the reason shown) when it cannot be. */
  load() {
    this.loading ??= this.#create();
    return this.loading;
  }

  async #create() {
    const { path, integrity } = this.config;
    if (!path) {
      this.#unavailable(`This site names no model for this pane (web/config.js, "${this.slot.key}" of ${DIRECTION}), so it is not available here.`);
      return null;
    }
    const name = fileName(path);
    this.setState('loading', `Loading ${name}…`);
    const { progress } = this.el;
    const monitor = (target) => target.addEventListener('downloadprogress', (e) => {
      progress.hidden = false;
      progress.max = e.total || Math.max(e.loaded, 1);
      progress.value = e.loaded;
      this.el.state.textContent = e.total ? `Loading ${name}: ${MB(e.loaded)} of ${MB(e.total)}` : `Loading ${name}: ${MB(e.loaded)}`;
    });
    let t;
    try {
      t = await createTranslator(new URL(path, location.href).href, { monitor, integrity });
    } catch (e) {
      console.info(`seq2seq-wasm: ${name}: ${e?.message}`);
      progress.hidden = true;
      this.#unavailable(e?.name === 'NetworkError'
        ? `${name} is not available on this site${/HTTP 404/.test(e.message) ? ' (HTTP 404)' : `: ${e.message}`}, so this model cannot translate here.`
        : `${name} could not be loaded: ${describeError(e)}`);
      return null;
    }
    progress.hidden = true;
    const m = t.model; // as loaded (nothing fine-tunes it here)
    if (m.sourceLanguage && m.targetLanguage && `${m.sourceLanguage}-${m.targetLanguage}` !== DIRECTION) {
      t.destroy();
      this.#unavailable(`${name} translates ${m.sourceLanguage} → ${m.targetLanguage}, not English → Spanish, so it is not used here.`);
      return null;
    }
    this.model = m;
    this.el.info.textContent = `${name}: ${describeModel(m)}${Number(progress.max) > 1 ? `, ${MB(Number(progress.max))}` : ''}.`;
    this.setState('ready', 'Ready.');
    return t;
  }

  #unavailable(text) {
    this.setState('unavailable', '');
    this.el.target.textContent = text;
    this.el.target.classList.add('unavailable');
    this.el.attention.hidden = true;
    this.el.attNote.hidden = true;
  }

  clear() {
    if (this.node.dataset.state === 'unavailable') return;
    this.el.target.textContent = '';
    this.el.target.dataset.for = '';
    this.heatmap.show(null);
    this.el.attention.hidden = true;
    this.el.attNote.hidden = true;
  }

  async translate(text, signal, my) {
    this.el.target.classList.add('stale');
    const t = await this.load();
    if (!t) { this.el.target.classList.remove('stale'); return; }
    if (my !== seq) return;
    this.setState('translating', 'Translating…');
    try {
      const r = await translateWithAttention(t, text, { beamSize: 1, signal });
      if (my !== seq) return;
      this.el.target.textContent = r.text;
      this.el.target.classList.remove('stale', 'unavailable');
      this.el.target.dataset.for = text;
      this.#attention(r);
      this.setState('ready', 'Ready.');
    } catch (e) {
      if (my !== seq || e?.name === 'AbortError' || e?.name === 'DestroyedError') return;
      this.el.target.textContent = e?.name === 'InputTooLongError' || e?.name === 'BadTextError'
        ? `This text cannot be translated: ${e.message}` : `The translation failed: ${describeError(e)}`;
      this.el.target.classList.remove('stale');
      this.el.target.classList.add('unavailable');
      this.el.target.dataset.for = '';
      this.heatmap.show(null);
      this.el.attention.hidden = true;
      this.setState('ready', 'Ready.');
    }
  }

  // The heatmap when the model has attention; otherwise a note saying why there is none.
  #attention(r) {
    const has = !!(r.attention && r.targetTokens.length && r.sourceTokens.length);
    this.el.attention.hidden = !has; // shown before drawing: the heatmap sizes itself to its box
    this.el.attNote.hidden = has;
    if (has) {
      // a Transformer's text too long for the per-head weights comes with the last layer's mean only
      const where = r.attentionHeads
        ? 'the attention over the English of the decoder layer and head chosen below (at first the last layer, the mean of its heads)'
        : this.model?.architectureName === 'transformer'
          ? 'the last decoder layer’s attention over the English, the mean of its heads'
          : 'the attention over the English pieces as it wrote each Spanish piece';
      this.el.attCaption.textContent = `Where it looked: ${where}. Rows are Spanish pieces, columns English pieces; darker is more.`;
    } else {
      this.el.attNote.textContent = r.text
        ? 'No attention to show: this model has none. Its decoder sees the English only through the one fixed-size vector the encoder ended with.'
        : '';
    }
    this.heatmap.show(has ? r : null);
  }

  async exportPng() {
    const blob = await this.heatmap.toPngBlob();
    if (!blob) return;
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `attention-${this.slot.id}.png`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/** "LSTM, Bahdanau attention, 1,234 parameters, int8" and the like. */
function describeModel(m) {
  const family = m.architectureName === 'transformer'
    ? `Transformer, ${m.layers}+${m.decLayers} layers, ${m.heads} heads`
    : `${String(m.cellName).toUpperCase()}, ${m.attentionName === 'none' ? 'no' : String(m.attentionName)[0].toUpperCase() + String(m.attentionName).slice(1)} attention`;
  return `${family}, ${m.parameters.toLocaleString('en')} parameters, ${m.quantized ? 'int8' : 'float32'}`;
}

/** A translator in a Web Worker, or in this page when a worker cannot start. */
async function createTranslator(model, { monitor, integrity }) {
  const opts = { model, engine: CONFIG.engine ?? 'auto', monitor };
  if (integrity) opts.integrity = integrity;
  if (mode === 'worker') {
    try {
      return await WorkerTranslator.create(opts);
    } catch (e) {
      // a model or network problem is the model's, not the worker's
      if (e?.code || e?.name === 'AbortError') throw e;
      mode = 'main';
      console.info(`seq2seq-wasm: the Web Worker did not start (${e?.message}); translating in the page instead`);
    }
  }
  return Translator.create(opts);
}

// --- translating --------------------------------------------------------------

const source = $('source');
let panes = [];
let seq = 0;
let timer = 0;
let inflight = null;

async function translateAll() {
  clearTimeout(timer);
  const my = ++seq;
  inflight?.abort();
  const ac = new AbortController();
  inflight = ac;
  const text = source.value;
  if (!text.trim()) {
    for (const p of panes) p.clear();
    return;
  }
  root.dataset.translating = 'yes';
  await Promise.all(panes.map((p) => p.translate(text, ac.signal, my).catch((e) => console.error(e))));
  if (my === seq) root.dataset.translating = 'no';
}

function scheduleTranslate() {
  clearTimeout(timer);
  for (const p of panes) p.el.target.classList.add('stale');
  // typing loads nothing: the models load on the first explicit translation
  if (!panes.some((p) => p.loading)) return;
  timer = setTimeout(translateAll, 400);
}

async function registerServiceWorker() {
  const sw = navigator.serviceWorker;
  if (!sw) return;
  try {
    // the scope app.js uses: the engine's worker (../src/js/) is controlled too
    await sw.register('./sw.js', { scope: '../' });
  } catch {
    await sw.register('./sw.js').catch((e) => console.info(`seq2seq-wasm: no offline use (${e.message})`));
  }
}

function start() {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
    const f = $('fatal');
    f.textContent = 'This browser has no WebAssembly (or it is switched off), so the models cannot run here. The scores below still show how they compare.';
    f.hidden = false;
    $('translate').disabled = true;
    source.disabled = true;
  } else {
    panes = SLOTS.map((s) => new Pane(s));
    $('translate').addEventListener('click', translateAll);
    source.addEventListener('input', scheduleTranslate);
    source.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); translateAll(); }
    });
  }
  const chart = {
    chart: $('chart'), legend: $('chart-legend'), figure: $('chart-figure'),
    table: $('length-table'), source: $('chart-source'), message: $('chart-message'),
  };
  loadLengthChart('architectures.json', chart).then((state) => { root.dataset.chart = state; });
  registerServiceWorker().catch(() => {});
  root.dataset.state = 'ready';
}

try {
  start();
} catch (e) {
  console.error(e);
  const f = $('fatal');
  f.textContent = `The page failed to start: ${e?.message || e}`;
  f.hidden = false;
}
