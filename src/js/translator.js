// translator.js — the Translator: one model in one engine instance.
//
// Every method copies its input into the engine's memory, calls C, checks the
// status (a bad one becomes a typed error), copies the output out with
// .slice() and frees what it allocated in `finally`. destroy() frees the
// models, the trainer and any open stream; a FinalizationRegistry does the
// same for a translator that is garbage-collected without destroy().

import { Engine, chooseFlavor } from './engine.js';
import {
  DestroyedError, DivergedError, InputTooLongError, InvalidArgumentError, ModelError, Seq2SeqError,
} from './errors.js';
import { DownloadProgressEvent, checkIntegrity, loadModelBytes, parseIntegrity } from './model-source.js';
import {
  asQuestion, capitalWords, lowerFirstWord, normalizeText, raiseFirstLetter, raisePronounI, restoreAccents, restoreApostrophes,
  emojiApart, sentenceCase, splitAtEmoji, splitSentences, typedInSmallLetters,
} from './text.js';
import { confidenceOf, parseCalibration } from './confidence.js';
import { translateHtml, translateHtmlStreaming } from './html.js';

/** The documented input limits (docs/limits.md explains each; keep index.d.ts in sync). */
export const LIMITS = Object.freeze({
  /** Tokens (subword pieces) in one sentence; a longer sentence is an InputTooLongError. */
  maxSentenceTokens: 512,
  /** Target tokens one sentence may produce (maxLength's upper bound). */
  maxOutputTokens: 511,
  /** UTF-16 code units in one text (one string of translate or translateStreaming, one side of a fineTune pair). */
  maxTextLength: 100_000,
  /** Texts in one translate call given an array. */
  maxBatch: 10_000,
  /** UTF-16 code units in all the texts of one translate call together. */
  maxTotalLength: 1_000_000,
  /** Weights in one result's `attention` (target tokens × source tokens of the whole text), and
   *  in its `attentionHeads` and `encoderAttention` together (attention: 'heads'). */
  maxAttentionWeights: 4_000_000,
  /** Largest beamSize. */
  maxBeam: 32,
  /** Pairs in one fineTune call. */
  maxFineTunePairs: 10_000,
  /** Steps in one fineTune call. */
  maxFineTuneSteps: 100_000,
  /** Open elements nested in one HTML text (translate with html: true). */
  maxHtmlDepth: 1_000,
});

// fineTune's default learning rate per model family. Thirty steps on 20
// everyday pairs at the old default of 1e-3 cost the shipped models 8
// (LSTM) and 21 (Transformer) chrF2 on 123 other everyday sentences; at
// these rates they cost 2.6 and 1.3 while the tuned pairs gain 35 chrF2
// (README "Fine-tuning", measured 2026-12-05).
const FINETUNE_LEARNING_RATE = Object.freeze({ rnn: 3e-4, transformer: 1e-4 });

const CHUNK = 16;     // sentences per C call (sorted by length first)
const PAD_SCORE = 0;  // score of an empty text

// A macrotask turn, so that timers, abort events and (in a page) rendering
// get a chance between steps. MessageChannel avoids the 4 ms timer clamp.
let channel;
function yieldToEventLoop() {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  if (typeof MessageChannel === 'function') {
    channel ??= (() => {
      const c = new MessageChannel();
      c.queue = [];
      c.port1.onmessage = () => c.queue.shift()?.();
      return c;
    })();
    return new Promise((r) => { channel.queue.push(r); channel.port2.postMessage(0); });
  }
  return new Promise((r) => setTimeout(r, 0));
}

function throwIfAborted(signal) {
  if (signal?.aborted) throw signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export function checkSignal(signal, where) {
  if (signal != null && !(typeof signal === 'object' && 'aborted' in signal && typeof signal.addEventListener === 'function')) {
    throw new InvalidArgumentError(`${where}: signal must be an AbortSignal`);
  }
}

// What a bad value was, for messages: "4" (a string) is not 4.
function describe(v) {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'function') return 'a function';
  return `${typeof v} ${String(v)}`;
}

function intOption(opts, key, def, lo, hi, where) {
  const v = opts[key];
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new InvalidArgumentError(`${where}: ${key} must be an integer from ${lo} to ${hi} (got ${describe(v)})`);
  }
  return v;
}

function numOption(opts, key, def, lo, hi, where, { loOpen = false } = {}) {
  const v = opts[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v > hi || (loOpen ? v <= lo : v < lo)) {
    throw new InvalidArgumentError(`${where}: ${key} must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}] (got ${describe(v)})`);
  }
  return v;
}

function checkOptionsObject(opts, where, known) {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw new InvalidArgumentError(`${where}: options must be an object (got ${describe(opts)})`);
  // an unknown key is an error, not ignored: a misspelt option would otherwise do nothing
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new InvalidArgumentError(`${where}: unknown option "${k}" (known: ${known.join(', ')})`);
  }
  return opts;
}

function checkText(text, where, index) {
  const at = index === undefined ? '' : ` (text ${index})`;
  if (typeof text !== 'string') throw new InvalidArgumentError(`${where}: text must be a string${at}, got ${describe(text)}`);
  if (text.length > LIMITS.maxTextLength) {
    throw new InputTooLongError(`${where}: the text${at} has ${text.length} characters; the limit is ${LIMITS.maxTextLength} (split it)`);
  }
}

// Translated text of a prepared sentence as its source was typed: in
// capitals for one typed in capitals (#prepare); with its first letter
// raised for one whose first word the engine saw lowered (part.raise, which
// the first text with a letter clears, so that streamed pieces are raised
// once); else as it is.
function inCaseTyped(part, text) {
  if (part.shouted) return text.toUpperCase();
  if (part.raise && /[\p{L}\p{N}]/u.test(text)) {
    part.raise = false;
    return raiseFirstLetter(text);
  }
  return text;
}

// Source languages whose sentences go to the engine with a capitalised first
// word lowered where that takes fewer pieces (text.js lowerFirstWord). For
// English, the shipped Transformer through this API gains 0.14 chrF2
// [+0.08, +0.20] on the whole dev set (391 of 3,902 translations change)
// and 1.76 on corpus/start_probe.tsv (docs/evaluation.md); for Spanish,
// simulated natively, it loses 5.18 on the 35 everyday dev sentences where
// it applies ("¿Cómo", "Buenas" start many sentences the model learnt), so
// Spanish goes as typed.
const LOWER_FIRST_WORD = new Set(['en']);

// `bytes` as a model (s2s_model*) of engine `e`. The model takes the copy
// and reads its int8 weights in place, so loading needs the file's size in
// engine memory once, not twice. A failure frees the copy and throws the
// engine's error, prefixed by `what`.
function loadModel(e, bytes, what) {
  const p = e.writeBytes(bytes);
  try {
    e.clearError();
    e.check(e.x.s2s_model_load_owned(e.scratch, p, bytes.length, e.err), what);
    return e.ptrAt(e.scratch);
  } catch (err) {
    e.free(p);
    throw err;
  }
}

// A model's metadata string `key` (s2s_model_meta), or null.
const modelMeta = (e, model, key) => e.withCString(key, (k) => e.readCString(e.x.s2s_model_meta(model, k)));

// A well-formed language tag ("en", "es", "pt-BR"), else null.
const languageTag = (v) => (v !== null && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(v) ? v : null);

// A model's hyper-parameters and enum names from the engine's table
// (s2s_hparam_*): src_vocab -> srcVocab, and cell -> cellName: 'lstm' for
// each enum field.
function readHparams(e, model) {
  const hpPtr = e.x.s2s_model_hparams(model);
  const info = {};
  for (let i = 0, n = e.x.s2s_hparam_count(); i < n; i++) {
    const key = e.readCString(e.x.s2s_hparam_key(i)).replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    const value = e.x.s2s_hparam_get(hpPtr, i);
    info[key] = value;
    const isEnum = e.x.s2s_hparam_value_name(i, 0) !== 0; // every enum names its value 0
    if (isEnum) info[`${key}Name`] = e.readCString(e.x.s2s_hparam_value_name(i, value)) ?? String(value);
  }
  return info;
}

// The C resources of one translator, kept apart from the Translator object
// so that the FinalizationRegistry can free them after the object is gone.
class Resources {
  constructor(engine) {
    this.engine = engine;
    this.base = 0;     // the loaded model (s2s_model*)
    this.tuned = 0;    // the fine-tuned copy, f32 (0 until fineTune)
    this.trainer = 0;  // s2s_trainer* on `tuned`
    this.rerank = 0;   // the other direction's model (loadRerankModel), 0 without
    this.streams = new Set(); // open stream handles { ptr }
  }

  freeStreams() {
    for (const s of this.streams) { this.engine.x.s2s_stream_free(s.ptr); s.ptr = 0; }
    this.streams.clear();
  }

  freeTuned() {
    const x = this.engine.x;
    this.freeStreams();
    x.s2s_trainer_free(this.trainer);
    x.s2s_model_free(this.tuned);
    this.trainer = this.tuned = 0;
  }

  release() {
    if (!this.engine) return;
    this.freeTuned();
    this.engine.x.s2s_model_free(this.base);
    this.engine.x.s2s_model_free(this.rerank);
    this.engine.free(this.engine.err);
    this.engine.free(this.engine.scratch);
    this.base = this.rerank = 0;
    this.engine = null;
  }
}

/** Counts for tests: translators created, and resources released by destroy() or by the registry. */
export const stats = { created: 0, destroyed: 0, collected: 0 };

const registry = new FinalizationRegistry((res) => {
  stats.collected++;
  res.release();
});

const CREATE_OPTIONS = ['model', 'monitor', 'signal', 'integrity', 'engine', 'engineBaseUrl'];
const TRANSLATE_OPTIONS = ['beamSize', 'maxLength', 'lengthPenalty', 'blockRepeats', 'attention', 'shortlist', 'rerank', 'rerankWeight', 'signal', 'html', 'attributes'];
const RERANK_OPTIONS = ['integrity', 'signal'];
const STREAM_OPTIONS = ['maxLength', 'lengthPenalty', 'blockRepeats', 'shortlist', 'attention', 'signal'];
const FINETUNE_OPTIONS = ['steps', 'learningRate', 'batchSize', 'dropout', 'labelSmoothing', 'seed', 'replay', 'replayShare', 'onProgress', 'signal'];

/** A translator (one model file, one direction) backed by one WebAssembly engine instance. */
export class Translator {
  #res;
  #engine;
  #destroyed = false;
  #tuning = false;
  #pieces = new Map();
  #hparams;
  #languages;
  #calibration; // meta.confidence, parsed (confidence.js), or null
  #trainerKey;

  /**
   * Loads the engine and the model. Options: model (URL, path in Node,
   * ArrayBuffer or Uint8Array; required), monitor(target) to receive
   * 'downloadprogress' events, signal (AbortSignal), integrity ("sha256-…"
   * or hex), engine ('auto' | 'relaxed' | 'simd' | 'scalar').
   */
  static async create(options) {
    const where = 'Translator.create';
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`${where}: options with a model are required`);
    checkOptionsObject(options, where, CREATE_OPTIONS);
    const { model, monitor, signal, integrity, engine = 'auto', engineBaseUrl } = options;
    if (model === undefined || model === null) throw new InvalidArgumentError(`${where}: options.model is required`);
    if (monitor !== undefined && typeof monitor !== 'function') throw new InvalidArgumentError(`${where}: monitor must be a function`);
    checkSignal(signal, where);
    if (integrity !== undefined) parseIntegrity(integrity);
    throwIfAborted(signal);

    const flavor = chooseFlavor(engine);
    let progress;
    if (monitor) {
      const target = new EventTarget();
      monitor(target);
      progress = (loaded, total) => target.dispatchEvent(new DownloadProgressEvent(loaded, total));
    }
    const [bytes, eng] = await Promise.all([
      loadModelBytes(model, { progress, signal }),
      Engine.create(flavor, engineBaseUrl),
    ]);
    throwIfAborted(signal);
    if (integrity !== undefined) await checkIntegrity(bytes, integrity);
    throwIfAborted(signal);
    return new Translator(eng, bytes);
  }

  /** @private use Translator.create */
  constructor(engine, bytes) {
    if (!(engine instanceof Engine)) throw new InvalidArgumentError('use Translator.create() to make a translator');
    this.#engine = engine;
    const res = new Resources(engine);
    const e = engine;
    try {
      res.base = loadModel(e, bytes, 'invalid model');
    } catch (err) {
      res.release();
      throw err;
    }
    if (!e.x.s2s_model_has_vocab(res.base)) {
      res.release();
      throw new ModelError('invalid model: it has no vocabulary');
    }
    this.#res = res;
    this.#hparams = Object.freeze(readHparams(e, res.base));
    this.#languages = { source: languageTag(this.metadata('source_language')), target: languageTag(this.metadata('target_language')) };
    this.#calibration = parseCalibration(this.metadata('confidence'));
    registry.register(this, res, this);
    stats.created++;
  }

  // The RNN may have none (attention 0); the Transformer always has some.
  #hasAttention() {
    return this.#hparams.architectureName === 'transformer' || this.#hparams.attention !== 0;
  }

  #alive() {
    if (this.#destroyed) throw new DestroyedError();
    return this.#res;
  }

  /** The model translations use: the fine-tuned one once fineTune ran. */
  #model() {
    const r = this.#alive();
    return r.tuned || r.base;
  }

  /** Which build runs: { flavor: 'relaxed' | 'simd' | 'scalar', simd: boolean }. */
  get engine() {
    return Object.freeze({ flavor: this.#engine.flavor, simd: this.#engine.flavor !== 'scalar' });
  }

  /** What the model is: hyper-parameters, size, quantization, fine-tuning state. */
  get model() {
    const r = this.#alive();
    const x = this.#engine.x;
    return {
      ...this.#hparams,
      parameters: x.s2s_model_num_params(r.base) >>> 0,
      quantized: !!x.s2s_model_is_quantized(this.#model()),
      loadedQuantized: !!x.s2s_model_is_quantized(r.base),
      // from the file's meta.source_language / meta.target_language; null in files
      // written before they existed (those are all English -> Spanish)
      sourceLanguage: this.#languages.source,
      targetLanguage: this.#languages.target,
      // { frequent, candidates } of the file's lexical shortlist, or null
      shortlist: this.#shortlist(),
      ...this.#translateDefaults(),
      // the loaded rerank model's languages ({ sourceLanguage, targetLanguage }), or null
      rerank: r.rerank ? this.#rerankLanguages() : null,
      fineTuneLearningRate: FINETUNE_LEARNING_RATE[this.#hparams.architectureName],
      fineTuned: r.tuned !== 0,
      fineTuneSteps: r.trainer ? Number(x.s2s_trainer_steps(r.trainer)) : 0,
    };
  }

  // s2s_translate_model_params: the file's length_penalty and block_repeats metadata, else the library's
  #translateDefaults() {
    const e = this.#engine;
    e.x.s2sw_translate_defaults(this.#model(), e.scratch);
    const [, lengthPenalty, , , blockRepeats, rerankWeight] = e.readF32(e.scratch, 6);
    return {
      lengthPenalty: Math.round(lengthPenalty * 1e6) / 1e6, // 1.6, not 1.600000023841858
      blockRepeats: blockRepeats === 1,
      // the weight of a rerank model's score, from the file's rerank_weight (0 without)
      rerankWeight: Math.round(rerankWeight * 1e6) / 1e6,
    };
  }

  #rerankLanguages() {
    const tag = (key) => languageTag(modelMeta(this.#engine, this.#res.rerank, key));
    return { sourceLanguage: tag('source_language'), targetLanguage: tag('target_language') };
  }

  /**
   * Loads a model of the other direction (Spanish -> English for an English
   * -> Spanish translator; the same vocabulary) into this translator's
   * engine. translate() with beamSize > 1 then picks, among the hypotheses
   * the beam finished, the one with the best score + rerankWeight × that
   * model's log P(source | hypothesis) per source token: it keeps more of
   * long sentences, for the reverse model's pass over every finished
   * hypothesis (about 3× beam 4's time for the shipped Transformers) and the second
   * model's memory. Replaces a rerank model loaded before; null unloads it.
   * Options: integrity, signal.
   */
  async loadRerankModel(model, options) {
    const where = 'loadRerankModel';
    const res = this.#alive();
    const o = checkOptionsObject(options, where, RERANK_OPTIONS);
    checkSignal(o.signal, where);
    if (o.integrity !== undefined) parseIntegrity(o.integrity);
    if (model === null) {
      this.#engine.x.s2s_model_free(res.rerank);
      res.rerank = 0;
      return;
    }
    if (model === undefined) throw new InvalidArgumentError(`${where}: a model (or null) is required`);
    const bytes = await loadModelBytes(model, { signal: o.signal });
    throwIfAborted(o.signal);
    if (o.integrity !== undefined) await checkIntegrity(bytes, o.integrity);
    throwIfAborted(o.signal);
    this.#alive();
    const e = this.#engine;
    const loaded = loadModel(e, bytes, `${where}: invalid model`);
    // the other direction: its languages the other way round (where both files name them)
    const src = modelMeta(e, loaded, 'source_language'), tgt = modelMeta(e, loaded, 'target_language');
    const { source, target } = this.#languages;
    const theirs = readHparams(e, loaded);
    const swapped = theirs.srcVocab === this.#hparams.tgtVocab && theirs.tgtVocab === this.#hparams.srcVocab;
    if (!e.x.s2s_model_has_vocab(loaded) || !swapped || (src && target && src !== target) || (tgt && source && tgt !== source)) {
      e.x.s2s_model_free(loaded);
      throw new ModelError(`${where}: the rerank model must translate ${target ?? 'the target'} -> ${source ?? 'the source'} ` +
        `with this model's vocabulary (it is ${src ?? '?'} -> ${tgt ?? '?'})`);
    }
    e.x.s2s_model_free(res.rerank);
    res.rerank = loaded;
  }

  #shortlist() {
    const e = this.#engine;
    const p = e.scratch;
    if (!e.x.s2s_model_shortlist(this.#model(), p, p + 4)) return null;
    const [frequent, candidates] = e.readI32(p, 2);
    return Object.freeze({ frequent, candidates });
  }

  /** A metadata string of the model file ("name", "license", …), or null. */
  metadata(key) {
    if (typeof key !== 'string') throw new InvalidArgumentError('metadata: key must be a string');
    return modelMeta(this.#engine, this.#model(), key);
  }

  #piece(id) {
    let s = this.#pieces.get(id);
    if (s === undefined) {
      s = this.#engine.readCString(this.#engine.x.s2s_piece(this.#model(), id)) ?? '';
      this.#pieces.set(id, s);
    }
    return s;
  }

  // Sentence text (already NFC) to ids; too many tokens is an InputTooLongError.
  #encode(model, sentence, where) {
    const e = this.#engine;
    const t = e.writeUtf8(sentence);
    const ids = e.malloc(LIMITS.maxSentenceTokens * 4);
    try {
      e.clearError();
      const st = e.x.s2s_encode(model, t.ptr, t.len, ids, LIMITS.maxSentenceTokens, e.scratch, e.err);
      const n = e.I32[e.scratch >> 2];
      if (st === 7) {
        throw new InputTooLongError(`${where}: a sentence has ${n} tokens; the limit is ${LIMITS.maxSentenceTokens} per sentence ` +
          `("${sentence.slice(0, 40)}…"): split it into shorter sentences`);
      }
      e.check(st, where);
      return e.readI32(ids, n);
    } finally {
      e.free(t.ptr);
      e.free(ids);
    }
  }

  #decode(model, ids) {
    const e = this.#engine;
    if (ids.length === 0) return '';
    const p = e.writeI32(ids);
    try {
      e.clearError();
      e.check(e.x.s2s_decode(model, p, ids.length, e.scratch, e.err), 'decode');
      const s = e.ptrAt(e.scratch);
      try {
        return e.readCString(s);
      } finally {
        e.x.s2s_free(s);
      }
    } finally {
      e.free(p);
    }
  }

  // Translates encoded sentences (each an Int32Array, non-empty), CHUNK at a
  // time in order of length; returns per sentence { ids, logprobs, score, attention }.
  async #translateIds(sentences, p, signal) {
    const e = this.#engine;
    const out = new Array(sentences.length);
    const order = sentences.map((s, i) => i).sort((a, b) => sentences[a].length - sentences[b].length || a - b);
    for (let start = 0; start < order.length; start += CHUNK) {
      if (start > 0) {
        await yieldToEventLoop();
        throwIfAborted(signal);
      }
      const idx = order.slice(start, start + CHUNK);
      const model = this.#model();
      const lens = idx.map((i) => sentences[i].length);
      const packed = new Int32Array(lens.reduce((a, b) => a + b, 0));
      let at = 0;
      for (const i of idx) { packed.set(sentences[i], at); at += sentences[i].length; }
      let idsP = 0, lensP = 0, res = 0;
      try {
        idsP = e.writeI32(packed);
        lensP = e.writeI32(lens);
        e.clearError();
        e.check(e.x.s2sw_translate(model, idx.length, idsP, lensP, p.beamSize, p.lengthPenalty,
          p.maxLenFactor, p.maxLenExtra, p.level, p.shortlist ? 1 : 0, p.blockRepeats,
          p.rerank ? this.#res.rerank : 0, p.rerankWeight, e.scratch, e.err), 'translate');
        res = e.ptrAt(e.scratch);
        for (let j = 0; j < idx.length; j++) {
          const tokP = e.x.s2s_result_tokens(res, j, e.scratch);
          const n = e.I32[e.scratch >> 2];
          const ids = e.readI32(tokP, n);
          const logprobs = e.readF32(e.x.s2s_result_token_logprobs(res, j), n + 1);
          const score = e.x.s2s_result_score(res, j);
          const rerank = e.x.s2s_result_rerank_logprob(res, j);
          let attention = null;
          if (p.attention) {
            const aP = e.x.s2s_result_attention(res, j, e.scratch, e.scratch + 4);
            if (aP) {
              const rows = e.I32[e.scratch >> 2], cols = e.I32[(e.scratch >> 2) + 1];
              const all = e.readF32(aP, rows * cols);
              attention = [];
              for (let r = 0; r < rows; r++) attention.push(all.subarray(r * cols, (r + 1) * cols));
            }
          }
          let heads = null, encoder = null;
          if (p.heads) {
            const s = e.scratch >> 2;
            const hP = e.x.s2s_result_attention_heads(res, j, e.scratch, e.scratch + 4, e.scratch + 8, e.scratch + 12);
            if (hP) {
              const [layers, nh, rows, cols] = e.readI32(e.scratch, 4);
              heads = { layers, heads: nh, rows, cols, data: e.readF32(hP, layers * nh * rows * cols) };
            }
            const eP = e.x.s2s_result_encoder_attention(res, j, e.scratch, e.scratch + 4, e.scratch + 8);
            if (eP) {
              const layers = e.I32[s], nh = e.I32[s + 1], m = e.I32[s + 2];
              encoder = { layers, heads: nh, n: m, data: e.readF32(eP, layers * nh * m * m) };
            }
          }
          out[idx[j]] = { ids, logprobs, score, rerank: Number.isNaN(rerank) ? null : rerank, attention, heads, encoder };
        }
      } finally {
        e.x.s2s_result_free(res);
        e.free(idsP);
        e.free(lensP);
      }
    }
    return out;
  }

  #translateParams(options, where, streaming) {
    const o = checkOptionsObject(options, where, streaming ? STREAM_OPTIONS : TRANSLATE_OPTIONS);
    const beamSize = streaming ? 1 : intOption(o, 'beamSize', 1, 1, LIMITS.maxBeam, where);
    const maxLength = intOption(o, 'maxLength', undefined, 1, LIMITS.maxOutputTokens, where);
    const lengthPenalty = numOption(o, 'lengthPenalty', -1, 0, 5, where);
    if (streaming ? o.attention !== undefined && o.attention !== 'heads' : o.attention !== undefined && typeof o.attention !== 'boolean' && o.attention !== 'heads') {
      throw new InvalidArgumentError(`${where}: attention must be ${streaming ? "'heads'" : "true, false or 'heads'"} (got ${describe(o.attention)})`);
    }
    if (o.shortlist !== undefined && typeof o.shortlist !== 'boolean') throw new InvalidArgumentError(`${where}: shortlist must be true or false`);
    if (o.blockRepeats !== undefined && typeof o.blockRepeats !== 'boolean') throw new InvalidArgumentError(`${where}: blockRepeats must be true or false`);
    // html: true never gets here (translate hands it to html.js)
    if (o.html !== undefined && typeof o.html !== 'boolean') throw new InvalidArgumentError(`${where}: html must be true or false`);
    // rerank: default on when a rerank model is loaded (loading it is the choice)
    if (o.rerank !== undefined && typeof o.rerank !== 'boolean') throw new InvalidArgumentError(`${where}: rerank must be true or false`);
    const rerank = !streaming && (o.rerank ?? this.#res.rerank !== 0);
    if (rerank && !this.#res.rerank) throw new InvalidArgumentError(`${where}: rerank needs a rerank model (loadRerankModel)`);
    const rerankWeight = streaming ? -1 : numOption(o, 'rerankWeight', -1, 0, 100, where);
    if (rerank && rerankWeight < 0 && this.metadata('rerank_weight') === null) {
      throw new InvalidArgumentError(`${where}: the model has no rerank_weight metadata: give rerankWeight`);
    }
    if (o.attributes !== undefined) throw new InvalidArgumentError(`${where}: attributes applies only with html: true`);
    checkSignal(o.signal, where);
    return {
      beamSize,
      lengthPenalty,
      // -1: the model's (its block_repeats metadata)
      blockRepeats: o.blockRepeats === undefined ? -1 : o.blockRepeats ? 1 : 0,
      // maxLength caps every sentence at that many tokens: floor(len / 1024)
      // is 0 for every allowed source length, so the cap is max_len_extra.
      maxLenFactor: maxLength === undefined ? -1 : 1 / 1024,
      maxLenExtra: maxLength === undefined ? -1 : maxLength,
      attention: o.attention === true || o.attention === 'heads',
      // 'heads' also every decoder layer's and head's cross-attention and the
      // encoder's self-attention (want_attention 2; Transformer models only)
      heads: o.attention === 'heads',
      level: o.attention === 'heads' ? 2 : o.attention === true ? 1 : 0,
      // the model's lexical shortlist, when it has one (false: the whole vocabulary)
      shortlist: o.shortlist !== false,
      rerank,
      rerankWeight, // -1: the model's rerank_weight metadata
      signal: o.signal,
    };
  }

  // Splits and encodes one text: [{lead, core, trail, ids, shouted, raise}].
  // Emoji go around the sentences, not through the engine (emojiApart).
  // A sentence typed in capitals is encoded in sentence case, and its
  // translation is given back in capitals (text.js capitalWords); an English
  // one whose first word takes fewer pieces lowered is encoded so, and its
  // translation's first letter raised (lowerFirstWord). Before those, an
  // English "i" for the pronoun is raised (raisePronounI), and a sentence
  // typed all in small letters is encoded in sentence case
  // (typedInSmallLetters; its translation is given back as written), and a
  // question typed without its mark gets one (asQuestion).
  // (the caller has checked the text with checkText)
  #prepare(text, where) {
    const norm = normalizeText(text).trim();
    const parts = emojiApart(splitSentences(norm).parts);
    const model = this.#model();
    const source = this.#languages.source;
    for (const part of parts) {
      if (part.core === '') { // a text of only emoji: nothing for the engine
        Object.assign(part, { ids: new Int32Array(0), shouted: false, raise: false });
        continue;
      }
      // the sentence as the engine sees it when typed as written
      let core = part.core;
      if (source === 'en') core = raisePronounI(restoreApostrophes(core));
      else if (source === 'es') core = restoreAccents(core);
      if (typedInSmallLetters(core, source)) core = sentenceCase(core, source);
      core = asQuestion(core, source) ?? core;
      const words = capitalWords(core);
      const typed = words >= 2 ? null : this.#encode(model, core, where);
      const cased = words > 0 ? this.#encode(model, sentenceCase(core, source), where) : null;
      part.shouted = words >= 2 || (words === 1 && cased.length < typed.length);
      part.ids = part.shouted ? cased : typed;
      part.raise = false;
      const lowered = part.shouted || !LOWER_FIRST_WORD.has(source) ? null : lowerFirstWord(core);
      if (lowered !== null) {
        const ids = this.#encode(model, lowered, where);
        if (ids.length < part.ids.length) {
          part.ids = ids;
          part.raise = true;
        }
      }
    }
    return parts;
  }

  /**
   * Translates a text (split into sentences, translated, joined back with
   * the same whitespace) or an array of texts (a batch: an array of results).
   * Options: beamSize (1–32, default 1), maxLength (target tokens per
   * sentence, 1–511; default 2 × source tokens + 10), lengthPenalty (0–5,
   * default model.lengthPenalty), blockRepeats (never write a word's piece
   * right after itself; default model.blockRepeats), attention (default
   * false), signal. html: true takes HTML
   * and gives HTML (html.js, docs/html.md), translating the attribute names
   * given as `attributes` too.
   */
  async translate(text, options) {
    const where = 'translate';
    this.#alive();
    if (options?.html === true) return translateHtml(this, text, options);
    const p = this.#translateParams(options, where, false);
    throwIfAborted(p.signal);
    const batch = Array.isArray(text);
    const texts = batch ? text : [text];
    if (batch && texts.length > LIMITS.maxBatch) {
      throw new InputTooLongError(`${where}: ${texts.length} texts in one call; the limit is ${LIMITS.maxBatch}`);
    }
    // every text checked before any is encoded, and the batch's total bounded
    let total = 0;
    for (let i = 0; i < texts.length; i++) {
      checkText(texts[i], where, batch ? i : undefined);
      total += texts[i].length;
    }
    if (batch && total > LIMITS.maxTotalLength) {
      throw new InputTooLongError(`${where}: the texts have ${total} characters together; the limit is ${LIMITS.maxTotalLength} per call (split the array)`);
    }
    const prepared = texts.map((t) => this.#prepare(t, where));
    const flat = prepared.flatMap((parts) => parts.filter((q) => q.ids.length > 0).map((q) => q.ids));
    const translated = flat.length ? await this.#translateIds(flat, p, p.signal) : [];
    this.#alive();
    const model = this.#model();
    let k = 0;
    const results = prepared.map((parts) => {
      const sentences = parts.map((q) => {
        const src = q.ids;
        const r = src.length ? translated[k++] : { ids: new Int32Array(0), logprobs: new Float32Array(1), score: PAD_SCORE, rerank: null, attention: null, heads: null, encoder: null };
        return {
          source: q.core,
          text: inCaseTyped(q, this.#decode(model, r.ids)),
          sourceIds: src,
          targetIds: r.ids,
          sourceTokens: Array.from(src, (id) => this.#piece(id)),
          targetTokens: Array.from(r.ids, (id) => this.#piece(id)),
          tokenLogprobs: r.logprobs,
          // one row per target token (the EOS row the search also has is dropped)
          attention: p.attention ? (r.attention ? r.attention.slice(0, r.ids.length) : null) : null,
          heads: r.heads,
          encoder: r.encoder,
          score: r.score,
          // the rerank model's log P(source | this translation) per source token; null without one
          rerankLogprob: r.rerank,
          confidence: confidenceOf(this.#calibration, { tokenLogprobs: r.logprobs, sourceLength: src.length, targetLength: r.ids.length }),
          lead: q.lead,
          trail: q.trail,
        };
      });
      // a model without attention has no weights to return: null, not zero rows
      return joinSentences(sentences, p.attention && this.#hasAttention(), where, p.heads);
    });
    return batch ? results : results[0];
  }

  /**
   * Greedy translation, yielding pieces as they are decided: an async
   * iterable of { text, id, token, logprob, attention, sentence }. Joining
   * every chunk's `text` gives translate(text).text (beam 1). Whitespace
   * between sentences comes as chunks with id null. Options: maxLength,
   * lengthPenalty, blockRepeats, signal.
   */
  translateStreaming(text, options) {
    const where = 'translateStreaming';
    this.#alive();
    // HTML streams unit by unit (html.js); its errors come with the first chunk
    if (options?.html === true) return translateHtmlStreaming(this, text, options);
    const p = this.#translateParams(options, where, true);
    checkText(text, where);
    const parts = this.#prepare(text, where);
    return this.#stream(parts, p);
  }

  async *#stream(parts, p) {
    const where = 'translateStreaming';
    const e = this.#engine;
    const res = this.#alive();
    for (let si = 0; si < parts.length; si++) {
      const part = parts[si];
      if (part.lead) yield { text: part.lead, id: null, token: null, logprob: 0, attention: null, sentence: si };
      if (part.ids.length) {
        throwIfAborted(p.signal);
        const model = this.#model();
        const handle = { ptr: 0 };
        const srcP = e.writeI32(part.ids);
        try {
          e.clearError();
          e.check(e.x.s2sw_stream_start(e.scratch, model, srcP, part.ids.length, p.lengthPenalty,
            p.maxLenFactor, p.maxLenExtra, p.shortlist ? 1 : 0, p.blockRepeats, p.level, e.err), where);
          handle.ptr = e.ptrAt(e.scratch);
          res.streams.add(handle);
        } finally {
          e.free(srcP);
        }
        try {
          const ids = [];
          let emitted = '';
          for (;;) {
            if (!handle.ptr) throw this.#destroyed ? new DestroyedError() : new Seq2SeqError(`${where}: the stream was closed by reset()`);
            const s = e.scratch;
            e.clearError();
            e.check(e.x.s2s_stream_next(handle.ptr, s, s + 4, s + 8, e.err), where);
            const id = e.I32[s >> 2], logprob = e.F32[(s + 4) >> 2], done = e.I32[(s + 8) >> 2];
            if (done) break;
            ids.push(id);
            let attention = null;
            const aP = e.x.s2s_stream_attention(handle.ptr, s + 12);
            if (aP) attention = e.readF32(aP, e.I32[(s + 12) >> 2]);
            let heads = null;
            if (p.heads) {
              const hP = e.x.s2s_stream_attention_heads(handle.ptr, s + 12, s + 16, s + 20);
              if (hP) {
                const [layers, nh, cols] = e.readI32(s + 12, 3);
                heads = { layers, heads: nh, cols, data: e.readF32(hP, layers * nh * cols) };
              }
            }
            // the text this token adds: decode everything so far and take what
            // is new (a piece may begin with a space, bytes may complete a character)
            const full = this.#decode(model, ids);
            let delta = '';
            if (full.startsWith(emitted) && !full.endsWith('\uFFFD')) {
              delta = full.slice(emitted.length);
              emitted = full;
            }
            delta = inCaseTyped(part, delta);
            // attentionHeads only when asked for, so other chunks keep their shape
            yield p.heads ? { text: delta, id, token: this.#piece(id), logprob, attention, attentionHeads: heads, sentence: si }
              : { text: delta, id, token: this.#piece(id), logprob, attention, sentence: si };
            await yieldToEventLoop();
            throwIfAborted(p.signal);
          }
          const full = this.#decode(model, ids);
          if (full !== emitted) {
            // only when a held-back or rewritten ending remains
            const rest = full.startsWith(emitted) ? full.slice(emitted.length) : full;
            yield { text: inCaseTyped(part, rest), id: null, token: null, logprob: 0, attention: null, sentence: si };
          }
        } finally {
          if (handle.ptr) e.x.s2s_stream_free(handle.ptr);
          res.streams.delete(handle);
          handle.ptr = 0;
        }
      }
      if (part.trail) yield { text: part.trail, id: null, token: null, logprob: 0, attention: null, sentence: si };
    }
  }

  /**
   * Fine-tunes on pairs ([english, spanish] or { source, target }) for
   * `steps` optimizer steps of `batchSize` pairs (cycling through them) and
   * resolves with the loss of every step. The first call makes an f32 copy
   * of the loaded model (int8 models are dequantized); later translations
   * use it. Options: steps (default 10), learningRate (default
   * model.fineTuneLearningRate: 3e-4 for an RNN, 1e-4 for a Transformer),
   * batchSize (default 16), dropout (0.2), labelSmoothing (0.1), seed,
   * replay (general pairs mixed into every batch, cycled in order, so the
   * model keeps what it knew: see README "Fine-tuning"), replayShare (the
   * share of each batch they take, default 0.5), onProgress({ step, steps,
   * loss, tokens }), signal. A step that diverges is undone and rejects
   * with a DivergedError holding the losses so far.
   */
  async fineTune(pairs, options) {
    const where = 'fineTune';
    const res = this.#alive();
    const o = checkOptionsObject(options, where, FINETUNE_OPTIONS);
    const steps = intOption(o, 'steps', 10, 1, LIMITS.maxFineTuneSteps, where);
    const lr = numOption(o, 'learningRate', FINETUNE_LEARNING_RATE[this.#hparams.architectureName], 0, 1, where, { loOpen: true });
    const batchSize = intOption(o, 'batchSize', 16, 1, 1024, where);
    const dropout = numOption(o, 'dropout', -1, 0, 0.9, where);
    const smoothing = numOption(o, 'labelSmoothing', -1, 0, 0.9, where);
    const seed = intOption(o, 'seed', -1, 0, 2 ** 31 - 1, where);
    if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new InvalidArgumentError(`${where}: onProgress must be a function`);
    checkSignal(o.signal, where);
    const replayShare = numOption(o, 'replayShare', 0.5, 0, 0.9, where);
    const checkPairs = (list, name, mayBeEmpty) => {
      if (!Array.isArray(list) || (list.length === 0 && !mayBeEmpty)) throw new InvalidArgumentError(`${where}: ${name} must be a non-empty array of [source, target] or { source, target }`);
      if (list.length > LIMITS.maxFineTunePairs) throw new InputTooLongError(`${where}: ${list.length} ${name}; the limit is ${LIMITS.maxFineTunePairs}`);
    };
    checkPairs(pairs, 'pairs', false);
    if (o.replay !== undefined) checkPairs(o.replay, 'replay pairs', true);
    if (this.#tuning) throw new InvalidArgumentError(`${where}: fine-tuning is already running on this translator`);
    throwIfAborted(o.signal);

    const e = this.#engine;
    const model0 = this.#model();
    const encodePairs = (list, name) => list.map((pair, i) => {
      const [src, tgt] = Array.isArray(pair) ? pair : [pair?.source, pair?.target];
      for (const s of [src, tgt]) {
        if (typeof s !== 'string' || !s.trim()) throw new InvalidArgumentError(`${where}: ${name} ${i} needs a non-empty source and target string`);
        checkText(s, where, i);
      }
      // a one-sentence source as translate() gives it to the engine (in
      // sentence case when typed in capitals or small letters, ...), so
      // that translating it afterwards meets what was learned
      const at = `${where}: ${name} ${i}`;
      const parts = this.#prepare(src, at);
      const a = parts.length === 1 ? parts[0].ids : this.#encode(model0, normalizeText(src).trim(), at);
      // emoji around a one-sentence source go around its translation too
      // (splitAtEmoji): the model learns the target's words without them
      let target = normalizeText(tgt).trim();
      if (parts.length === 1 && (parts[0].lead || parts[0].trail)) {
        target = splitAtEmoji({ lead: '', core: target, trail: '' }).map((q) => q.core).filter((c) => c).join(' ');
      }
      const b = this.#encode(model0, target, at);
      if (!a.length || !b.length) throw new InvalidArgumentError(`${at} encodes to no tokens`);
      return [a, b];
    });
    const encoded = encodePairs(pairs, 'pair');
    const replay = o.replay ? encodePairs(o.replay, 'replay pair') : [];
    // each batch: up to batchSize of the caller's pairs, or fewer beside the
    // replayed ones (replayShare of the batch, at least one of each)
    const ownCount = replay.length
      ? Math.max(1, Math.min(encoded.length, Math.round(batchSize * (1 - replayShare))))
      : Math.min(batchSize, encoded.length);
    const replayCount = replay.length && replayShare > 0
      ? Math.max(1, Math.round(ownCount * replayShare / (1 - replayShare)))
      : 0;

    this.#tuning = true;
    let copiedHere = false;
    try {
      if (!res.tuned) {
        copiedHere = true;
        const x = e.x;
        e.clearError();
        const st = x.s2s_model_is_quantized(res.base)
          ? x.s2s_model_dequantize(e.scratch, res.base, e.err)
          : x.s2s_model_clone(e.scratch, res.base, e.err);
        e.check(st, `${where}: copying the model`);
        res.tuned = e.ptrAt(e.scratch);
      }
      if (!res.trainer || this.#trainerKey !== `${dropout}/${smoothing}/${seed}`) {
        e.x.s2s_trainer_free(res.trainer);
        res.trainer = 0;
        e.clearError();
        e.check(e.x.s2sw_trainer_init(e.scratch, res.tuned, lr, dropout, smoothing, seed, e.err), where);
        res.trainer = e.ptrAt(e.scratch);
        this.#trainerKey = `${dropout}/${smoothing}/${seed}`;
      } else {
        e.check(e.x.s2s_trainer_set_learning_rate(res.trainer, lr), where);
      }

      const losses = [];
      let next = 0, nextReplay = 0;
      for (let step = 1; step <= steps; step++) {
        const batch = [];
        for (let k = 0; k < ownCount; k++) { batch.push(encoded[next]); next = (next + 1) % encoded.length; }
        for (let k = 0; k < replayCount; k++) { batch.push(replay[nextReplay]); nextReplay = (nextReplay + 1) % replay.length; }
        const n = batch.length;
        const srcLens = batch.map((b) => b[0].length), tgtLens = batch.map((b) => b[1].length);
        const pack = (arrs, total) => { const a = new Int32Array(total); let at = 0; for (const x of arrs) { a.set(x, at); at += x.length; } return a; };
        const srcAll = pack(batch.map((b) => b[0]), srcLens.reduce((a, b) => a + b, 0));
        const tgtAll = pack(batch.map((b) => b[1]), tgtLens.reduce((a, b) => a + b, 0));
        const ptrs = [];
        let loss, tokens;
        try {
          for (const arr of [srcAll, srcLens, tgtAll, tgtLens]) ptrs.push(e.writeI32(arr));
          e.clearError();
          const st = e.x.s2sw_trainer_step(res.trainer, n, ptrs[0], ptrs[1], ptrs[2], ptrs[3], e.scratch, e.err);
          if (st === 9) {
            // NaN/infinity, or a loss that exploded (src/train.h, TRAIN_EXPLODE_FACTOR)
            // (the C reason counts steps over the trainer's life; this message counts this call's)
            const why = (e.readCString(e.err + 4, e.errSize - 4) || 'NaN or infinity').replace(/^step \d+: /, '');
            throw new DivergedError(`${where}: step ${step} diverged and was undone (${why}; ` +
              `try a lower learningRate); the model keeps the ${step - 1} steps before it`, { losses });
          }
          e.check(st, where);
          loss = e.F32[e.scratch >> 2];
          tokens = e.I32[(e.scratch >> 2) + 1];
        } finally {
          for (const q of ptrs) e.free(q);
        }
        losses.push(loss);
        if (o.onProgress) o.onProgress({ step, steps, loss, tokens });
        await yieldToEventLoop();
        if (this.#destroyed) throw new DestroyedError('the translator was destroyed during fineTune');
        throwIfAborted(o.signal);
      }
      return losses;
    } catch (err) {
      // Nothing was learned on the copy made by this call (its first step
      // diverged or the call was stopped before it): translate with the
      // loaded model again, not with its f32 copy.
      if (copiedHere && !this.#destroyed && res.tuned &&
          !(res.trainer && Number(e.x.s2s_trainer_steps(res.trainer)) > 0)) {
        res.freeTuned();
        this.#trainerKey = null;
      }
      throw err;
    } finally {
      this.#tuning = false;
    }
  }

  /**
   * The model in use as a .s2s file: the loaded model as it was loaded until
   * fineTune runs, then the fine-tuned f32 weights. { quantize: true } writes
   * an int8 copy instead (what the shipped models use; about 4× smaller).
   */
  async save(options) {
    const where = 'save';
    const o = checkOptionsObject(options, where, ['quantize']);
    if (o.quantize !== undefined && typeof o.quantize !== 'boolean') throw new InvalidArgumentError(`${where}: quantize must be true or false`);
    const e = this.#engine;
    let model = this.#model();
    let q = 0;
    try {
      e.clearError();
      if (o.quantize && !e.x.s2s_model_is_quantized(model)) {
        e.check(e.x.s2s_model_quantize(e.scratch, model, e.err), where);
        model = q = e.ptrAt(e.scratch);
      }
      e.check(e.x.s2s_model_save(model, e.scratch, e.scratch + 4, e.err), where);
      const data = e.ptrAt(e.scratch), size = e.ptrAt(e.scratch + 4);
      try {
        // the file is loaded back (format, bounds, CRC-32, vocabulary: what
        // create() checks) before anyone gets it
        e.clearError();
        const st = e.x.s2s_model_load(e.scratch, data, size, e.err);
        if (st === 0) {
          const back = e.ptrAt(e.scratch);
          const ok = e.x.s2s_model_has_vocab(back);
          e.x.s2s_model_free(back);
          if (!ok) throw new ModelError(`${where}: the written model has no vocabulary`);
        } else {
          e.check(st, `${where}: the written model does not load back`);
        }
        return e.U8.slice(data, data + size);
      } finally {
        e.x.s2s_free(data);
      }
    } finally {
      e.x.s2s_model_free(q);
    }
  }

  /** Back to the loaded weights: drops the fine-tuned copy and the optimizer state. */
  async reset() {
    const res = this.#alive();
    if (this.#tuning) throw new InvalidArgumentError('reset: fine-tuning is running; abort it first (its signal)');
    res.freeTuned();
    this.#trainerKey = undefined;
  }

  /** Frees everything; every later call throws a DestroyedError. Safe to call twice. */
  destroy() {
    if (this.#destroyed) return;
    this.#destroyed = true;
    registry.unregister(this);
    stats.destroyed++;
    this.#res.release();
    this.#pieces.clear();
  }

  /** True after destroy(). */
  get destroyed() { return this.#destroyed; }

  /** Bytes the engine's allocator has in use (diagnostics and leak tests). */
  get heapUsed() {
    this.#alive();
    return this.#engine.heapUsed();
  }

  /** Bytes of the engine's WebAssembly memory. It only grows, so this is its peak. */
  get memoryBytes() {
    this.#alive();
    return this.#engine.memory.buffer.byteLength;
  }
}

// One result from the sentences of one text (see translate()).
function joinSentences(sentences, wantAttention, where, wantHeads) {
  let text = '';
  for (const s of sentences) text += s.lead + s.text + s.trail;
  const sourceTokens = sentences.flatMap((s) => s.sourceTokens);
  const targetTokens = sentences.flatMap((s) => s.targetTokens);
  let attention = null;
  if (wantAttention) {
    // one row per target token over all source tokens (zero outside its sentence)
    attention = [];
    const S = sourceTokens.length;
    if (S * targetTokens.length > LIMITS.maxAttentionWeights) {
      throw new InputTooLongError(`${where}: the attention of this text would hold ${targetTokens.length} × ${S} weights; ` +
        `the limit is ${LIMITS.maxAttentionWeights}: ask for attention sentence by sentence (or a shorter text)`);
    }
    let off = 0;
    for (const s of sentences) {
      const cols = s.sourceTokens.length;
      for (let r = 0; r < s.targetTokens.length; r++) {
        const row = new Float32Array(S);
        if (s.attention) row.set(s.attention[r], off);
        attention.push(row);
      }
      off += cols;
    }
  }
  const extra = wantHeads ? joinHeads(sentences, sourceTokens.length, targetTokens.length, where) : null;
  const score = sentences.length ? sentences.reduce((a, s) => a + s.score, 0) / sentences.length : PAD_SCORE;
  // a text is as trustworthy as its weakest sentence
  const confidence = sentences.reduce((a, s) => (a === null || s.confidence === null ? null : Math.min(a, s.confidence)), 1);
  return {
    text,
    sourceTokens,
    targetTokens,
    sourceIds: concatI32(sentences.map((s) => s.sourceIds)),
    targetIds: concatI32(sentences.map((s) => s.targetIds)),
    attention,
    ...extra,
    score,
    confidence: sentences.length ? confidence : null,
    sentences: sentences.map(({ lead, trail, heads, encoder, ...s }) => s),
  };
}

// attention: 'heads' over a text's sentences: { attentionHeads (layers, heads,
// target tokens, source tokens), encoderAttention (layers, heads, source
// tokens, source tokens) }, each sentence's block in place and zero outside it
// (its EOS row dropped, as for `attention`); null where the model has no heads.
function joinHeads(sentences, S, T, where) {
  const first = sentences.find((s) => s.heads && s.encoder);
  if (!first) return { attentionHeads: null, encoderAttention: null };
  const { layers: L, heads: H } = first.heads, Le = first.encoder.layers;
  const weights = L * H * T * S + Le * H * S * S;
  if (weights > LIMITS.maxAttentionWeights) {
    throw new InputTooLongError(`${where}: every head's attention of this text would hold ${weights} weights; ` +
      `the limit is ${LIMITS.maxAttentionWeights}: ask for it sentence by sentence (or a shorter text)`);
  }
  const dec = new Float32Array(L * H * T * S), enc = new Float32Array(Le * H * S * S);
  let r0 = 0, c0 = 0;
  for (const s of sentences) {
    const rows = s.targetTokens.length, cols = s.sourceTokens.length;
    if (s.heads) {
      const { rows: R, data } = s.heads; // R = rows + 1: the EOS row
      for (let lh = 0; lh < L * H; lh++) {
        for (let r = 0; r < rows; r++) {
          dec.set(data.subarray((lh * R + r) * cols, (lh * R + r + 1) * cols), (lh * T + r0 + r) * S + c0);
        }
      }
    }
    if (s.encoder) {
      const { data } = s.encoder;
      for (let lh = 0; lh < Le * H; lh++) {
        for (let r = 0; r < cols; r++) {
          enc.set(data.subarray((lh * cols + r) * cols, (lh * cols + r + 1) * cols), (lh * S + c0 + r) * S + c0);
        }
      }
    }
    r0 += rows;
    c0 += cols;
  }
  return {
    attentionHeads: { layers: L, heads: H, rows: T, cols: S, data: dec },
    encoderAttention: { layers: Le, heads: H, rows: S, cols: S, data: enc },
  };
}

function concatI32(arrs) {
  if (arrs.length === 1) return arrs[0];
  const out = new Int32Array(arrs.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const a of arrs) { out.set(a, at); at += a.length; }
  return out;
}
