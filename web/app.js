// app.js — the translation page: loads the engine and the model in a Web
// Worker (WorkerTranslator), translates as you type in either direction the
// config names (English -> Spanish, Spanish -> English: one model each, the
// swap button loads the other; a direction may offer a Transformer beside its
// main model, loaded when first chosen), shows the attention, fine-tunes on
// the user's pairs, keeps the tuned model of each direction and model in
// IndexedDB, and registers the service worker that makes the page work offline.
//
// Everything the user typed or loaded is shown through textContent (never as
// HTML). The model files come from config.js.

import { WorkerTranslator, Translator } from '../src/js/index.js';
import { CONFIG } from './config.js';
import { replaySample } from './replay.js';
import { Heatmap, translateWithAttention } from './heatmap.js';
import { LossChart } from './losschart.js';
import { parsePairs, readPairsFile } from './pairs.js';
import { loadStored, saveStored, clearStored } from './store.js';
import { initDocumentMode } from './document.js';

const $ = (id) => document.getElementById(id);
const root = document.documentElement;
const el = {
  status: $('status'), progress: $('load-progress'), loadLabel: $('load-label'), badge: $('engine-badge'), fatal: $('fatal'),
  source: $('source'), target: $('target'), io: $('io'), baselinePane: $('baseline-pane'), baselineTarget: $('baseline-target'),
  beamSize: $('beam-size'), compare: $('compare'), note: $('translate-note'), rerank: $('rerank'), rerankLabel: $('rerank-label'),
  pairs: $('pairs'), pairsFile: $('pairs-file'), steps: $('steps'), lr: $('lr'), replay: $('replay'), replayRow: $('replay-row'), tune: $('tune'), cancel: $('cancel'),
  pairsError: $('pairs-error'), tuneProgress: $('tune-progress'), tuneLabel: $('tune-label'), beforeAfter: $('before-after'),
  modelInfo: $('model-info'), download: $('download'), reset: $('reset'), modelFile: $('model-file'), modelError: $('model-error'),
  offline: $('offline-state'), swap: $('swap'), compareLabel: $('compare-label'), confidenceNote: $('confidence-note'),
  srcPieces: $('src-pieces'), tgtPieces: $('tgt-pieces'),
  ledeModel: $('lede-model'), modelChoice: $('model-choice'), choiceError: $('model-choice-error'),
  choiceRadios: [...document.querySelectorAll('input[name=model]')],
};
// the document mode's controls (web/document.js)
const doc = {
  root: $('document'), source: $('doc-source'), html: $('doc-html'), translate: $('doc-translate'), cancel: $('doc-cancel'),
  progress: $('doc-progress'), label: $('doc-label'), output: $('doc-output'), htmlOut: $('doc-html-out'), note: $('doc-note'),
};

const heatmap = new Heatmap({
  canvas: $('heatmap'), wrap: $('heatmap-wrap'), srcList: $('src-pieces'), tgtList: $('tgt-pieces'),
  info: $('link-info'), summary: $('heatmap-summary'), table: $('attention-table'), exportButton: $('export-png'),
  headView: $('head-view'), kindSelect: $('att-kind'), layerSelect: $('att-layer'), layerLabel: $('att-layer-label'), headSelect: $('att-head'),
  crossHelp: $('attention-help'), selfHelp: $('attention-help-self'), tgtRow: $('tgt-piece-row'),
});
const lossChart = new LossChart($('loss'));

const modelUrl = (path) => new URL(path, location.href).href;
const LANGUAGE_NAMES = { en: 'English', es: 'Spanish' };
const languageName = (tag) => LANGUAGE_NAMES[tag] ?? tag;
const DIRECTION_KEY = 'seq2seq-wasm.direction'; // localStorage: the direction last used
const CHOICE_KEY = 'seq2seq-wasm.model'; // localStorage: the model last chosen ('lstm' | 'transformer')
const recall = (key) => { try { return localStorage.getItem(key); } catch { return null; } }; // storage may be off
const remember = (key, value) => { try { localStorage.setItem(key, value); } catch { /* storage may be off */ } };
// 'en-es' -> the other way round, when the config has it
const reverseOf = (d) => { const r = d.split('-').reverse().join('-'); return CONFIG.directions[r] ? r : null; };
const shipped = () => CONFIG.directions[state.direction];
// The models a direction may offer: its main `model` (the default) and an optional
// `transformer`, each with its own integrity key in config.js and its own stored slot.
const CHOICES = {
  lstm: { file: 'model', integrity: 'integrity', label: 'LSTM with attention' },
  transformer: { file: 'transformer', integrity: 'transformerIntegrity', label: 'Transformer' },
};
const offers = (direction, choice) => typeof CONFIG.directions[direction]?.[CHOICES[choice]?.file] === 'string';
/** config.js's { model, integrity } of a model choice of a direction (default: the one in use). */
function shippedOf(choice = state.choice, direction = state.direction) {
  const d = CONFIG.directions[direction];
  return { model: d[CHOICES[choice].file], integrity: d[CHOICES[choice].integrity] };
}
/** The model last chosen, where `direction` offers it; else the direction's
 *  `choice` in config.js (the one a first visit starts with); else its main model. */
function preferredChoice(direction) {
  const usable = (c) => Object.hasOwn(CHOICES, c ?? '') && offers(direction, c);
  return [recall(CHOICE_KEY), CONFIG.directions[direction]?.choice].find(usable) ?? 'lstm';
}
// The badge for each WebAssembly build: [text, title].
const ENGINE_BADGES = {
  relaxed: ['WebAssembly relaxed SIMD build', 'seq2seq-relaxed.wasm: SIMD128 kernels plus the relaxed int8 dot product, which passed its self-test here'],
  simd: ['WebAssembly SIMD build', 'seq2seq-simd.wasm: SIMD128 kernels'],
  scalar: ['WebAssembly scalar build (no SIMD here)', 'seq2seq-scalar.wasm: this browser has no WebAssembly SIMD'],
};
const MB = (n) => `${(n / 1048576).toFixed(n < 1048576 ? 2 : 1)} MB`;

const state = {
  t: null,            // the translator in use (WorkerTranslator, or Translator when workers fail)
  direction: CONFIG.direction, // a key of CONFIG.directions: whose shipped model and stored slot are in use
  choice: 'lstm',     // a key of CHOICES: which of the direction's models is in use
  lrChosen: false,    // the user picked a learning rate: model changes keep it
  parked: {},         // choice -> { t, kind, name, baseSteps, bytes }: the direction's other model, loaded, waiting
  languages: CONFIG.direction.split('-'), // [source, target] tags shown: the model's own when it names them
  kind: 'shipped',    // 'shipped' | 'tuned' | 'file'
  name: '',           // file name of a loaded model
  baseSteps: 0,       // fine-tuning steps already in the loaded weights (restored from IndexedDB)
  bytes: 0,           // size of the loaded model file
  baseline: null,     // Promise<translator | null> of the no-attention model, once asked for
  baselineError: '',
  tuning: null,       // AbortController of the running fine-tune
  busy: false,        // a model is being replaced
  docRunning: false,  // the document mode is translating
  mode: 'worker',
};

function show(node, text, kind) {
  node.textContent = text ?? '';
  node.hidden = !text;
  if (kind) node.classList.toggle('error', kind === 'error');
}

function describeError(e) {
  if (!e) return 'unknown error';
  if (e.name === 'UnsupportedError') return e.message;
  if (e.name === 'NetworkError') return `${e.message}. Check the connection, or that the file exists.`;
  if (e.name === 'ModelError') return `not a usable model file: ${e.message}`;
  return e.message || String(e);
}

// --- start ------------------------------------------------------------------

function fatal(message) {
  root.dataset.state = 'error';
  el.status.classList.add('done');
  show(el.loadLabel, 'Not running.');
  show(el.fatal, message, 'error');
}

function setControls(on) {
  for (const n of [el.source, el.pairs, el.pairsFile, el.steps, el.lr, el.replay, el.tune, el.download, el.reset, el.modelFile, el.swap]) n.disabled = !on;
  for (const n of [doc.source, doc.html]) n.disabled = !on;
  doc.translate.disabled = !on || state.docRunning;
  for (const r of el.choiceRadios) r.disabled = !on;
  // one model at a time: nothing replaces or trains it while it is busy
  if (on && (state.tuning || state.docRunning)) {
    for (const n of [el.tune, el.reset, el.modelFile, el.swap, ...el.choiceRadios]) n.disabled = true;
  }
  if (on && !reverseOf(state.direction)) el.swap.disabled = true;
}

function progressMonitor(what) {
  return (target) => target.addEventListener('downloadprogress', (e) => {
    el.progress.max = e.total || Math.max(e.loaded, 1);
    el.progress.value = e.loaded;
    el.loadLabel.textContent = e.total
      ? `Loading ${what}: ${MB(e.loaded)} of ${MB(e.total)}`
      : `Loading ${what}: ${MB(e.loaded)}`;
    el.progress.setAttribute('aria-valuetext', el.loadLabel.textContent);
  });
}

/** A translator for `model` (URL or bytes): in a worker, or in this thread if workers fail. */
async function createTranslator(model, { monitor, integrity } = {}) {
  const opts = { model, engine: CONFIG.engine ?? 'auto' };
  if (monitor) opts.monitor = monitor;
  if (integrity) opts.integrity = integrity;
  if (state.mode === 'worker') {
    try {
      return await WorkerTranslator.create(opts);
    } catch (e) {
      // a worker that could not start (not a model or network problem): run here instead
      if (e?.code || e?.name === 'AbortError') throw e;
      state.mode = 'main';
      console.info(`seq2seq-wasm: the Web Worker did not start (${e.message}); translating in the page instead`);
    }
  }
  return Translator.create(model instanceof Uint8Array ? { ...opts, model: model.slice() } : opts);
}

const modelOf = (t) => (t.getModel ? t.getModel() : Promise.resolve(t.model));

async function start() {
  root.dataset.state = 'loading';
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
    fatal('This browser has no WebAssembly (or it is switched off, as some security settings and “lockdown” modes do), so the translator cannot run here. Any current version of Firefox, Chrome, Edge or Safari has it.');
    return;
  }
  el.loadLabel.textContent = 'Starting the engine…';
  await registerServiceWorker();

  const last = recall(DIRECTION_KEY);
  const direction = Object.hasOwn(CONFIG.directions, last ?? '') ? last : CONFIG.direction;
  try {
    await loadPreferred(direction);
  } catch (e) {
    console.error(e);
    const model = CONFIG.directions[direction].model;
    fatal(e?.name === 'NetworkError' && /HTTP 404/.test(e.message)
      ? `The model file ${model} is not on this site (HTTP 404). Train one and put it there (README, “Train a model”), then reload.`
      : e?.name === 'NetworkError'
        ? `The model ${model} could not be loaded: ${e.message}. If you are offline, open this page once while online.`
        : `The translator could not start: ${describeError(e)}`);
    return;
  }
  el.status.classList.add('done');
  el.loadLabel.textContent = `Ready${state.mode === 'main' ? ' (in the page: Web Workers are unavailable)' : ''}.`;
  const [badge, title] = ENGINE_BADGES[state.t.engine.flavor];
  el.badge.textContent = badge;
  el.badge.title = title;
  el.badge.hidden = false;
  root.dataset.engine = state.t.engine.flavor;
  root.dataset.state = 'ready';
  setControls(true);
  translateNow();
}

/**
 * Makes `direction` the page's with the model last chosen; where that is a
 * Transformer that cannot be loaded, says so and uses the main model. Throws
 * (and leaves the page as it was) when the main model cannot be loaded either.
 */
async function loadPreferred(direction) {
  const choice = preferredChoice(direction);
  if (choice !== 'lstm') {
    try {
      await loadDirection(direction, choice);
      return;
    } catch (e) {
      console.info(`seq2seq-wasm: the ${CHOICES[choice].label} did not load (${e?.message}); using the main model`);
      showChoiceError(choice, e, { direction, stays: 'lstm' });
    }
  }
  await loadDirection(direction, 'lstm');
}

/**
 * Makes `choice` of `direction` the model in use: the one kept in this browser,
 * else the shipped one. Throws (and leaves the page as it was) when neither can be loaded.
 */
async function loadDirection(direction, choice = 'lstm') {
  const what = choice === 'lstm' ? 'model' : CHOICES[choice].label;
  let stored = null;
  try {
    stored = await loadStored(direction, choice);
  } catch (e) {
    console.info(`seq2seq-wasm: no stored model (${e.message})`);
  }
  if (stored) {
    try {
      el.loadLabel.textContent = `Loading your ${stored.kind === 'file' ? 'model file' : `fine-tuned ${what}`} from this browser…`;
      const t = await createTranslator(stored.bytes);
      await adopt(t, { kind: stored.kind, name: stored.name, baseSteps: stored.steps ?? 0, bytes: stored.bytes.length, direction, choice });
      return;
    } catch (e) {
      if (e?.name !== 'ModelError') throw e;
      await clearStored(direction, choice).catch(() => {});
      show(el.modelError, `The ${what} kept in this browser could not be read (${e.message}); the shipped one is used instead.`, 'error');
    }
  }
  const { model, integrity } = shippedOf(choice, direction);
  const t = await createTranslator(modelUrl(model), { monitor: progressMonitor(`the ${what}`), integrity });
  await adopt(t, { kind: 'shipped', bytes: Number(el.progress.max) || 0, direction, choice });
}

/** Shows the languages of the translator in use in every label, lang attribute and placeholder. */
async function showLanguages() {
  const m = await modelOf(state.t);
  const [src, tgt] = m.sourceLanguage && m.targetLanguage ? [m.sourceLanguage, m.targetLanguage] : state.direction.split('-');
  state.languages = [src, tgt];
  for (const n of document.querySelectorAll('.src-name')) n.textContent = languageName(src);
  for (const n of document.querySelectorAll('.tgt-name')) n.textContent = languageName(tgt);
  for (const n of [el.target, el.baselineTarget, el.tgtPieces, doc.output]) n.lang = tgt;
  for (const n of [el.source, el.srcPieces, doc.source]) n.lang = src;
  heatmap.names = { src: languageName(src), tgt: languageName(tgt) };
  el.pairs.placeholder = src === 'es' ? 'Abre el archivo. | Open the file.' : 'Open the file. | Abre el archivo.';
  root.dataset.direction = `${src}-${tgt}`;
  // the no-attention baseline exists for some directions only
  const hasBaseline = !!shipped().baseline;
  el.compare.disabled = !hasBaseline;
  el.compareLabel.hidden = !hasBaseline;
  if (!hasBaseline && el.compare.checked) { el.compare.checked = false; compareChanged(); }
}

/** The swap button: the other direction's model, with the translation as the new source text. */
async function swapDirection() {
  const to = reverseOf(state.direction);
  if (!to || state.tuning) return;
  const fresh = el.target.dataset.for === el.source.value && !el.target.classList.contains('stale');
  const newSource = fresh ? el.target.textContent : el.source.value;
  await replaceModel(async () => {
    el.status.classList.remove('done');
    show(el.choiceError, ''); // a message about the other direction's models
    try {
      await loadPreferred(to);
    } catch (e) {
      show(el.modelError, `The ${languageName(to.split('-')[0])} → ${languageName(to.split('-')[1])} model could not be loaded: ${describeError(e)}. The page stays as it was.`, 'error');
      return;
    } finally {
      el.status.classList.add('done');
      el.loadLabel.textContent = 'Ready.';
    }
    remember(DIRECTION_KEY, to);
    el.source.value = newSource;
    el.target.textContent = '';
    show(el.confidenceNote, '');
    el.target.dataset.for = '';
    el.baselineTarget.textContent = '';
    heatmap.show(null);
    clearTuneRun();
  }, 'Loading the other direction…');
}

/**
 * Makes `t` the translator in use, as `choice` of `direction`. The one it
 * replaces is destroyed, except the direction's other model on a change of
 * model: that one waits, loaded, with its fine-tuned weights and optimizer state.
 */
async function adopt(t, { kind, name = '', baseSteps = 0, bytes = 0, direction = state.direction, choice = state.choice }) {
  const old = state.t && { t: state.t, kind: state.kind, name: state.name, baseSteps: state.baseSteps, bytes: state.bytes };
  const sameDirection = direction === state.direction;
  const waiting = state.parked[choice];
  delete state.parked[choice];
  if (waiting && waiting.t !== t) waiting.t.destroy(); // replaced by a newly loaded one
  if (!sameDirection) {
    for (const p of Object.values(state.parked)) p.t.destroy();
    state.parked = {};
    // the baseline belongs to the direction it was loaded for
    const b = state.baseline;
    state.baseline = null;
    b?.then((x) => x?.destroy()).catch(() => {});
  }
  if (old && old.t !== t) {
    if (sameDirection && choice !== state.choice) state.parked[state.choice] = old;
    else old.t.destroy();
  }
  state.t = t;
  Object.assign(state, { kind, name, baseSteps, bytes, direction, choice });
  await showLanguages();
  showChoice();
  await showModelInfo();
}

// --- the model choice: the main model or the direction's Transformer ------------------

/** Shows the choice where the direction offers a Transformer, with the model in use checked. */
function showChoice() {
  const offered = offers(state.direction, 'transformer');
  el.modelChoice.hidden = !offered;
  for (const r of el.choiceRadios) r.checked = r.value === state.choice;
  root.dataset.choice = state.choice;
  el.rerankLabel.hidden = !rerankModel();
}

// --- reranking the beam by the other direction's Transformer ---------------------

/** config.js's { model, integrity } of the other direction's Transformer, which reranks the
 *  Transformer in use (the files share their vocabulary and carry their rerank weight); null
 *  for the LSTM or where the other direction has none. */
function rerankModel() {
  const back = reverseOf(state.direction);
  return state.choice === 'transformer' && back && offers(back, 'transformer') ? shippedOf('transformer', back) : null;
}

// translator -> the promise of its rerank model loaded (each translator loads it once)
const rerankLoads = new WeakMap();

function loadRerank(t) {
  let p = rerankLoads.get(t);
  if (!p) {
    const { model, integrity } = rerankModel();
    p = t.loadRerankModel(modelUrl(model), integrity ? { integrity } : undefined);
    p.catch(() => rerankLoads.delete(t)); // a later check tries again
    rerankLoads.set(t, p);
  }
  return p;
}

/** Why `choice` could not be loaded, and that `stays` is still in use. */
function showChoiceError(choice, e, { direction = state.direction, stays = state.choice } = {}) {
  const { label } = CHOICES[choice];
  const what = `The ${label} (${shippedOf(choice, direction).model.split('/').pop()})`;
  const why = e?.name === 'NetworkError' && /HTTP 404/.test(e.message) ? `${what} is not on this site (HTTP 404)`
    : e?.name === 'NetworkError' ? `${what} could not be downloaded: ${e.message}`
      : e?.name === 'IntegrityError' ? `${what} is not the expected file: ${e.message}`
        : `${what} could not be loaded: ${describeError(e)}`;
  show(el.choiceError, `${why.replace(/\.$/, '')}. The ${CHOICES[stays].label} stays in use; choose “${label}” again to retry.`, 'error');
}

/**
 * The user chose a model: one loaded before comes back at once (tuned as it
 * was); otherwise it is loaded (kept in this browser, else shipped) with the
 * header's progress bar. A model that fails to load leaves the one in use.
 */
async function chooseModel(choice) {
  if (choice === state.choice || !offers(state.direction, choice) || state.busy || state.tuning || state.docRunning) {
    showChoice();
    return;
  }
  const waiting = state.parked[choice];
  const { label } = CHOICES[choice];
  show(el.choiceError, '');
  await replaceModel(async () => {
    if (waiting) {
      await adopt(waiting.t, { ...waiting, choice });
    } else {
      el.status.classList.remove('done');
      el.progress.value = 0;
      el.loadLabel.textContent = `Loading the ${label}…`;
      try {
        await loadDirection(state.direction, choice);
      } catch (e) {
        console.info(`seq2seq-wasm: the ${label} did not load (${e?.message})`);
        showChoiceError(choice, e);
        return;
      } finally {
        el.status.classList.add('done');
        el.loadLabel.textContent = 'Ready.';
      }
    }
    remember(CHOICE_KEY, choice);
    clearTuneRun(); // the last run's curve and table were the other model's
  }, waiting ? `Switching to the ${label}…` : `Loading the ${label}…`);
  showChoice();
}

async function showModelInfo() {
  const m = await modelOf(state.t);
  const steps = state.baseSteps + m.fineTuneSteps;
  const attn = m.attentionName === 'none' ? 'no' : m.attentionName[0].toUpperCase() + m.attentionName.slice(1);
  // the search scores only the shortlist's pieces for each sentence (the API's default)
  const sl = m.shortlist ? `, lexical shortlist (${m.shortlist.frequent} + ${m.shortlist.candidates} per source piece)` : '';
  const family = m.architectureName === 'transformer'
    ? `Transformer, ${m.layers}+${m.decLayers} layers, ${m.heads} heads`
    : `${m.cellName.toUpperCase()}, ${attn} attention`;
  const arch = `${family}, ${m.parameters.toLocaleString('en')} parameters, ${m.quantized ? 'int8' : 'float32'}${sl}`;
  let text;
  if (state.kind === 'file') text = `A model loaded from the file “${state.name}”${steps ? `, then fine-tuned for ${steps} steps` : ''} (${arch}). It is kept in this browser.`;
  else if (steps) text = `The shipped model fine-tuned for ${steps} steps here (${arch}). It is kept in this browser until you reset it.`;
  else text = `The shipped model, ${shippedOf().model.split('/').pop()}${state.bytes ? `, ${MB(state.bytes)}` : ''} (${arch}).`;
  el.modelInfo.textContent = text;
  el.ledeModel.textContent = m.architectureName === 'transformer' ? 'a Transformer'
    : `${/^[AEFHILMNORSX]/.test(m.cellName.toUpperCase()) ? 'an' : 'a'} ${m.cellName.toUpperCase()} ${m.attentionName === 'none' ? 'without' : 'with'} attention`;
  root.dataset.model = state.kind === 'shipped' && !steps ? 'shipped' : state.kind === 'file' ? 'file' : 'tuned';
  // the family's fine-tuning rate (higher rates make it forget more), until the user picks one
  if (!state.lrChosen && m.fineTuneLearningRate) el.lr.value = String(m.fineTuneLearningRate);
  root.dataset.steps = String(steps);
}

// --- service worker -------------------------------------------------------------

async function registerServiceWorker() {
  const sw = navigator.serviceWorker;
  if (!sw) { el.offline.textContent = '(Offline use needs a browser with service workers, on https or localhost.)'; return; }
  let reg;
  try {
    // scope: the directory holding web/, src/js/, dist/ and models/, so that the
    // engine's worker is controlled too (the server sends Service-Worker-Allowed)
    reg = await sw.register('./sw.js', { scope: '../' });
  } catch {
    try {
      reg = await sw.register('./sw.js');
    } catch (e) {
      el.offline.textContent = `(Offline use is unavailable: ${e.message})`;
      return;
    }
  }
  if (!sw.controller) {
    // first visit: wait (briefly) until the worker controls the page, so that
    // the engine and the model are cached as they load
    await new Promise((resolve) => {
      sw.addEventListener('controllerchange', resolve, { once: true });
      setTimeout(resolve, 5000);
    });
  }
  root.dataset.sw = sw.controller ? 'controlled' : 'registered';
  el.offline.textContent = sw.controller ? 'It is ready for offline use.' : '';
  return reg;
}

// --- translate as you type -------------------------------------------------------

let timer = 0;
let seq = 0;
let inflight = null;

function options() {
  const beam = document.querySelector('input[name=search]:checked')?.value === 'beam';
  return { beamSize: beam ? Number(el.beamSize.value) : 1 };
}

/** Whether this translation is reranked: beam search, the box checked and offered. */
const reranking = (opts) => opts.beamSize > 1 && el.rerank.checked && !el.rerankLabel.hidden;

function scheduleTranslate() {
  clearTimeout(timer);
  el.target.classList.add('stale');
  timer = setTimeout(translateNow, 300);
}

async function translateNow() {
  clearTimeout(timer);
  if (!state.t) return;
  const my = ++seq;
  inflight?.abort();
  const ac = new AbortController();
  inflight = ac;
  const text = el.source.value;
  const opts = options();
  if (!text.trim()) {
    el.target.textContent = '';
    show(el.confidenceNote, '');
    el.baselineTarget.textContent = '';
    el.target.classList.remove('stale');
    heatmap.show(null);
    el.target.dataset.for = '';
    return;
  }
  if (state.tuning) show(el.note, 'Fine-tuning is running; the translation follows when it ends.');
  const t = state.t, choice = state.choice;
  const baseline = el.compare.checked ? translateBaseline(text, opts, ac.signal, my) : null;
  try {
    const rerank = reranking(opts);
    if (rerank) {
      try {
        await loadRerank(t);
      } catch (e) {
        if (my !== seq) return;
        el.rerank.checked = false;
        show(el.note, `The other direction's model could not be loaded, so the beam is not checked with it: ${describeError(e)}`, 'error');
        return translateNow();
      }
      if (my !== seq) return;
    }
    // a translator keeps its rerank model: say each time whether to use it
    const r = await translateWithAttention(t, text, { ...opts, rerank, signal: ac.signal });
    if (my !== seq) return;
    showTranslation(r);
    el.target.classList.remove('stale', 'unavailable');
    el.target.dataset.for = text;
    el.target.dataset.beam = String(opts.beamSize);
    el.target.dataset.rerank = String(rerank);
    el.target.dataset.choice = choice; // which model wrote it
    heatmap.show(r);
    if (!state.tuning) show(el.note, '');
  } catch (e) {
    if (my !== seq || e?.name === 'AbortError' || e?.name === 'DestroyedError') return;
    el.target.classList.remove('stale');
    heatmap.show(null);
    show(el.confidenceNote, '');
    show(el.note, e?.name === 'InputTooLongError' || e?.name === 'BadTextError'
      ? `This text cannot be translated: ${e.message}` : `The translation failed: ${describeError(e)}`, 'error');
  }
  await baseline;
}

// Below this a sentence is marked as probably poor (the calibration's "good" is chrF2 >= 50).
const LOW_CONFIDENCE = 0.5;

/** The translation, one span per sentence carrying its confidence; the text between them as it is. */
function showTranslation(r) {
  const nodes = [];
  let at = 0, low = 0, rated = 0;
  for (const s of r.sentences) {
    if (!s.text) continue;
    const i = r.text.indexOf(s.text, at);
    if (i < 0) { nodes.length = 0; break; } // cannot happen (the text is the sentences joined); plain text then
    if (i > at) nodes.push(document.createTextNode(r.text.slice(at, i)));
    const span = document.createElement('span');
    span.className = 'sentence';
    span.textContent = s.text;
    if (s.confidence !== null) {
      rated++;
      span.dataset.confidence = String(s.confidence);
      span.title = `Confidence ${Math.round(100 * s.confidence)} %`;
      if (s.confidence < LOW_CONFIDENCE) { span.classList.add('low-confidence'); low++; }
    }
    nodes.push(span);
    at = i + s.text.length;
  }
  if (nodes.length) {
    if (at < r.text.length) nodes.push(document.createTextNode(r.text.slice(at)));
    el.target.replaceChildren(...nodes);
  } else {
    el.target.textContent = r.text;
  }
  show(el.confidenceNote, !rated ? '' : low
    ? `${low === rated && rated === 1 ? 'This translation is' : `${low} of ${rated} sentences are`} probably poor (underlined: the model's confidence is below ${100 * LOW_CONFIDENCE} %; point at a sentence to see it).`
    : `Confidence ${Math.round(100 * r.confidence)} % or more for every sentence.`);
}

async function translateBaseline(text, opts, signal, my) {
  const out = el.baselineTarget;
  const b = await baselineTranslator();
  if (my !== seq) return;
  if (!b) {
    out.textContent = state.baselineError;
    out.classList.add('unavailable');
    return;
  }
  try {
    const r = await b.translate(text, { ...opts, signal });
    if (my !== seq) return;
    out.textContent = r.text;
    out.classList.remove('unavailable');
    out.dataset.for = text;
  } catch (e) {
    if (my !== seq || e?.name === 'AbortError' || e?.name === 'DestroyedError') return;
    out.textContent = `The baseline failed: ${describeError(e)}`;
    out.classList.add('unavailable');
  }
}

function baselineTranslator() {
  state.baseline ??= (async () => {
    el.baselineTarget.textContent = 'Loading the no-attention model…';
    el.baselineTarget.classList.add('unavailable');
    try {
      return await createTranslator(modelUrl(shipped().baseline), { integrity: shipped().baselineIntegrity });
    } catch (e) {
      state.baselineError = e?.name === 'NetworkError'
        ? `The no-attention baseline (${shipped().baseline.split('/').pop()}) is not available on this site, so only the attention model is shown.`
        : `The no-attention baseline could not be loaded: ${describeError(e)}`;
      state.baseline = null; // try again next time it is asked for
      return null;
    }
  })();
  return state.baseline;
}

function compareChanged() {
  const on = el.compare.checked;
  el.baselinePane.hidden = !on;
  el.io.classList.toggle('three', on);
  if (on) translateNow();
}

// --- fine-tuning ---------------------------------------------------------------

function tuneStatus(kind, text) {
  root.dataset.tune = kind;
  el.tuneLabel.textContent = text;
}

/** Clears the last run's status, progress, loss curve and before/after table. */
function clearTuneRun() {
  tuneStatus('idle', '');
  el.tuneProgress.hidden = true;
  el.beforeAfter.hidden = true;
  lossChart.start(0);
}

async function pairsFileChosen() {
  const file = el.pairsFile.files?.[0];
  if (!file) return;
  try {
    const text = await readPairsFile(file);
    el.pairs.value = text;
    const { pairs, errors } = parsePairs(text);
    show(el.pairsError, errors.length ? `In “${file.name}”: ${errors.slice(0, 5).join(' ')}${errors.length > 5 ? ` (and ${errors.length - 5} more)` : ''}` : '', 'error');
    tuneStatus('idle', `${pairs.length} pair${pairs.length === 1 ? '' : 's'} read from “${file.name}”.`);
  } catch (e) {
    show(el.pairsError, e.message, 'error');
  } finally {
    el.pairsFile.value = '';
  }
}

function readTuneForm() {
  const { pairs, errors } = parsePairs(el.pairs.value);
  if (errors.length) return { error: `${errors.slice(0, 5).join(' ')}${errors.length > 5 ? ` (and ${errors.length - 5} more problems)` : ''}` };
  if (!pairs.length) return { error: `Type at least one pair first: the ${languageName(state.languages[0])}, a tab or “|”, then the ${languageName(state.languages[1])}.` };
  const steps = Number(el.steps.value);
  if (!Number.isInteger(steps) || steps < 1 || steps > 2000) return { error: 'Steps must be a whole number from 1 to 2000.' };
  const learningRate = Number(el.lr.value);
  return { pairs, steps, learningRate };
}

// The general pairs mixed into fine-tuning (CONFIG.replay, web/replay.js),
// fetched once, oriented to the model's direction. [] when the page has none
// configured or they cannot be loaded (training then goes on without them).
let replayText = null;
async function replayPairs() {
  if (!CONFIG.replay || !el.replay.checked) return { pairs: [] };
  try {
    if (replayText === null) {
      const r = await fetch(new URL(CONFIG.replay, import.meta.url));
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      replayText = await r.text();
    }
  } catch (e) {
    return { pairs: [], error: `the everyday sentences could not be loaded (${e.message}), so this run trains on your pairs alone` };
  }
  const pairs = replaySample(replayText);
  return { pairs: state.languages[0] === 'es' ? pairs.map(([a, b]) => [b, a]) : pairs };
}

function renderBeforeAfter(pairs, before, after) {
  const tbody = el.beforeAfter.tBodies[0];
  const rows = pairs.map((p, i) => {
    const tr = document.createElement('tr');
    const cells = [p.source, p.target, before[i] ?? '', after ? after[i] ?? '' : '…'];
    cells.forEach((text, k) => {
      const td = document.createElement('td');
      td.textContent = text;
      td.lang = k === 0 ? state.languages[0] : state.languages[1];
      if (k === 3 && after && after[i] !== before[i]) td.className = 'changed';
      tr.append(td);
    });
    return tr;
  });
  tbody.replaceChildren(...rows);
  el.beforeAfter.hidden = false;
}

const SHOWN_PAIRS = 20;

async function runFineTune() {
  const form = readTuneForm();
  if (form.error) { show(el.pairsError, form.error, 'error'); el.pairs.focus(); return; }
  show(el.pairsError, '');
  const { pairs, steps, learningRate } = form;
  const t = state.t;
  const ac = new AbortController();
  state.tuning = ac;
  setControls(true);
  el.cancel.disabled = false;
  el.tuneProgress.max = steps;
  el.tuneProgress.value = 0;
  el.tuneProgress.hidden = false;
  lossChart.start(steps);
  tuneStatus('running', 'Translating your sentences before training…');
  const shown = pairs.slice(0, SHOWN_PAIRS);
  let outcome = 'done', message = '';
  try {
    const before = (await t.translate(shown.map((p) => p.source))).map((r) => r.text);
    renderBeforeAfter(shown, before, null);
    const m0 = await modelOf(t);
    const replay = await replayPairs();
    if (replay.error) message = `Note: ${replay.error}. `;
    tuneStatus('running', `Training: step 0 of ${steps}…`);
    try {
      await t.fineTune(pairs.map((p) => [p.source, p.target]), {
        steps, learningRate, batchSize: Math.min(16, pairs.length), signal: ac.signal,
        ...(replay.pairs.length ? { replay: replay.pairs } : {}),
        onProgress: (p) => {
          el.tuneProgress.value = p.step;
          lossChart.push(p.loss);
          tuneStatus('running', `Training: step ${p.step} of ${p.steps}, loss ${p.loss.toFixed(3)}`);
        },
      });
    } catch (e) {
      if (e?.name === 'AbortError') {
        outcome = 'cancelled';
      } else if (e?.name === 'DivergedError') {
        // the engine undid the diverging step; the steps before it stay. If it was the
        // first step ever, reset() drops the (untrained) f32 copy: the loaded weights exactly
        outcome = 'diverged';
        if (!m0.fineTuned && !(await modelOf(t)).fineTuneSteps) await t.reset();
        if (!lossChart.losses.length) lossChart.start(0);
      } else if (e?.name === 'InvalidArgumentError' || e?.name === 'InputTooLongError' || e?.name === 'BadTextError') {
        const m = /(?<!replay )pair (\d+)/.exec(e.message);
        throw new Error(m ? `Line ${pairs[Number(m[1])]?.line}: ${e.message}` : e.message);
      } else {
        throw e;
      }
    }
    const m1 = await modelOf(state.t);
    const done = m1.fineTuneSteps - m0.fineTuneSteps;
    const plural = (n) => `${n} step${n === 1 ? '' : 's'}`;
    const mixed = replay.pairs.length ? ` (each batch half yours, half of ${replay.pairs.length} everyday sentences)` : '';
    if (outcome === 'done') message += `Done: ${steps} steps${mixed}, loss ${lossChart.losses[0]?.toFixed(3)} → ${lossChart.losses.at(-1)?.toFixed(3)}.`;
    else if (outcome === 'cancelled') message += `Cancelled after ${done} of ${steps} steps; the model keeps them.`;
    else message += `Step ${done + 1} of ${steps} was rejected: its loss became NaN, infinite or exploded, so it was undone and the run stopped. `
      + (done ? `The model keeps the ${plural(done)} before it.` : 'The model is as it was before the run.')
      + ' Try a lower learning rate, or check your pairs.';
    const after = (await state.t.translate(shown.map((p) => p.source))).map((r) => r.text);
    renderBeforeAfter(shown, before, after);
    if (done > 0) {
      tuneStatus('saving', `${message} Keeping the model in this browser…`);
      await persist();
    }
    await showModelInfo();
    tuneStatus(outcome, message + (done > 0 ? ' It is kept in this browser.' : ''));
    if (outcome === 'diverged') show(el.pairsError, message, 'error');
  } catch (e) {
    console.error(e);
    tuneStatus('error', 'Training failed.');
    show(el.pairsError, `Training failed: ${describeError(e)}`, 'error');
  } finally {
    state.tuning = null;
    el.cancel.disabled = true;
    setControls(true);
    el.target.classList.add('stale'); // written by the weights before this run
    translateNow();
  }
}

async function persist() {
  const m = await modelOf(state.t);
  try {
    const bytes = await state.t.save();
    await saveStored(state.direction, state.choice, { bytes, kind: state.kind === 'file' ? 'file' : 'tuned', name: state.name, steps: state.baseSteps + m.fineTuneSteps });
  } catch (e) {
    show(el.modelError, `The model could not be kept in this browser (${e.message}); download it to keep it.`, 'error');
  }
}

// --- the model: download, load, reset ------------------------------------------------

async function downloadModel() {
  el.download.disabled = true;
  try {
    const bytes = await state.t.save();
    const m = await modelOf(state.t);
    const steps = state.baseSteps + m.fineTuneSteps;
    const shippedName = state.choice === 'lstm' ? state.direction : `${state.direction}-${state.choice}`;
    const name = state.kind === 'file' ? state.name.replace(/\.s2s$/i, '') + (m.fineTuned ? '-tuned' : '') : steps ? `${shippedName}-tuned-${steps}` : shippedName;
    saveBlob(new Blob([bytes], { type: 'application/octet-stream' }), `${name}.s2s`);
  } catch (e) {
    show(el.modelError, `The model could not be written: ${describeError(e)}`, 'error');
  } finally {
    el.download.disabled = false;
  }
}

function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function replaceModel(work, label) {
  if (state.busy) return;
  state.busy = true;
  setControls(false);
  el.target.classList.add('stale'); // written by the model being replaced, until translateNow() in finally rewrites it
  show(el.modelError, '');
  el.modelInfo.textContent = label;
  try {
    await work();
  } finally {
    state.busy = false;
    setControls(true);
    await showModelInfo().catch(() => {});
    translateNow();
  }
}

async function modelFileChosen() {
  const file = el.modelFile.files?.[0];
  el.modelFile.value = '';
  if (!file) return;
  await replaceModel(async () => {
    if (file.size < 16) { show(el.modelError, `“${file.name}” is not a model file: it has only ${file.size} bytes.`, 'error'); return; }
    if (file.size > 512 << 20) { show(el.modelError, `“${file.name}” is ${MB(file.size)}; a model file this page can load has at most 512 MB.`, 'error'); return; }
    const bytes = new Uint8Array(await file.arrayBuffer());
    let t;
    try {
      t = await createTranslator(bytes);
    } catch (e) {
      show(el.modelError, e?.name === 'ModelError'
        ? `“${file.name}” is not a model this page can use: ${e.message}. The current model stays.`
        : `“${file.name}” could not be loaded: ${describeError(e)}. The current model stays.`, 'error');
      return;
    }
    // a file that names a direction the page knows becomes that direction's model: its
    // Transformer where it is one and the direction offers one, else its main model
    const m = await modelOf(t);
    const named = `${m.sourceLanguage}-${m.targetLanguage}`;
    const direction = Object.hasOwn(CONFIG.directions, named) ? named : state.direction;
    const choice = m.architectureName === 'transformer' && offers(direction, 'transformer') ? 'transformer' : 'lstm';
    await adopt(t, { kind: 'file', name: file.name, baseSteps: 0, bytes: bytes.length, direction, choice });
    remember(DIRECTION_KEY, direction);
    if (offers(direction, 'transformer')) remember(CHOICE_KEY, choice);
    show(el.choiceError, '');
    try {
      await saveStored(direction, choice, { bytes, kind: 'file', name: file.name, steps: 0 });
    } catch (e) {
      show(el.modelError, `Loaded, but it could not be kept in this browser (${e.message}).`, 'error');
    }
  }, `Loading “${file.name}”…`);
}

async function resetModel() {
  await replaceModel(async () => {
    await clearStored(state.direction, state.choice).catch(() => {});
    if (state.kind === 'shipped') {
      await state.t.reset();
      state.baseSteps = 0;
    } else {
      el.status.classList.remove('done');
      try {
        const { model, integrity } = shippedOf();
        const t = await createTranslator(modelUrl(model), { monitor: progressMonitor(`the shipped ${state.choice === 'lstm' ? 'model' : CHOICES[state.choice].label}`), integrity });
        await adopt(t, { kind: 'shipped', bytes: Number(el.progress.max) || 0 });
      } catch (e) {
        show(el.modelError, `The shipped model could not be loaded: ${describeError(e)}`, 'error');
        return;
      } finally {
        el.status.classList.add('done');
        el.loadLabel.textContent = 'Ready.';
      }
    }
    clearTuneRun();
  }, 'Going back to the shipped model…');
}

async function exportPng() {
  const blob = await heatmap.toPngBlob();
  if (blob) saveBlob(blob, heatmap.view?.kind === 'encoder' ? 'encoder-attention.png' : 'attention.png');
}

// --- wiring ----------------------------------------------------------------------

el.source.addEventListener('input', scheduleTranslate);
el.source.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); translateNow(); }
});
for (const r of document.querySelectorAll('input[name=search]')) r.addEventListener('change', translateNow);
// choosing a width, or reranking (which needs a beam), picks the beam search
const selectBeam = () => { document.querySelector('input[name=search][value=beam]').checked = true; };
el.beamSize.addEventListener('change', () => {
  selectBeam();
  translateNow();
});
// the search a page starts with: config.js's beamSize, a width the menu offers (else greedy)
if (CONFIG.beamSize > 1 && [...el.beamSize.options].some((o) => o.value === String(CONFIG.beamSize))) {
  el.beamSize.value = String(CONFIG.beamSize);
  selectBeam();
}
el.compare.addEventListener('change', compareChanged);
el.rerank.addEventListener('change', () => {
  if (el.rerank.checked) selectBeam();
  translateNow();
});
el.tune.addEventListener('click', runFineTune);
el.cancel.addEventListener('click', () => {
  state.tuning?.abort();
  el.cancel.disabled = true;
  tuneStatus('cancelling', 'Cancelling…');
});
el.pairsFile.addEventListener('change', pairsFileChosen);
el.download.addEventListener('click', downloadModel);
el.modelFile.addEventListener('change', modelFileChosen);
el.lr.addEventListener('change', () => { state.lrChosen = true; });
el.replayRow.hidden = !CONFIG.replay; // a page without general pairs trains on the user's alone
el.reset.addEventListener('click', resetModel);
el.swap.addEventListener('click', swapDirection);
for (const r of el.choiceRadios) r.addEventListener('change', () => { if (r.checked) chooseModel(r.value); });
initDocumentMode(doc, {
  getTranslator: () => state.t,
  lowConfidence: LOW_CONFIDENCE,
  setBusy: (on) => { state.docRunning = on; setControls(true); if (on) doc.cancel.disabled = false; },
});
$('export-png').addEventListener('click', exportPng);
lossChart.draw();
heatmap.show(null);

start().catch((e) => { console.error(e); fatal(`The page failed to start: ${describeError(e)}`); });
