// index.d.ts — types of the seq2seq-wasm package (hand-written; see README "JavaScript API").

/** Where the model comes from: a URL, a path (Node only), or its bytes. */
export type ModelSource = string | URL | ArrayBuffer | ArrayBufferView;

/** The 'downloadprogress' event sent to the monitor's target while the model loads. */
export declare class DownloadProgressEvent extends Event {
  constructor(loaded: number, total: number);
  readonly type: 'downloadprogress';
  /** Bytes received so far. */
  readonly loaded: number;
  /** Bytes expected in all; 0 when unknown (e.g. a compressed HTTP response). */
  readonly total: number;
}

/** A listener of DownloadMonitor's 'downloadprogress' events. */
export type DownloadProgressListener = ((event: DownloadProgressEvent) => void) | { handleEvent(event: DownloadProgressEvent): void };
type AnyListener = ((event: Event) => void) | { handleEvent(event: Event): void };
type ListenerOptions = boolean | { capture?: boolean; once?: boolean; passive?: boolean; signal?: AbortSignal };

/**
 * The EventTarget given to `monitor`: its 'downloadprogress' listeners receive
 * DownloadProgressEvents (so `e.loaded` and `e.total` are typed). Written
 * without DOM-only names, so that it compiles with Node's types alone too.
 */
export interface DownloadMonitor extends EventTarget {
  addEventListener(type: 'downloadprogress', listener: DownloadProgressListener | null, options?: ListenerOptions): void;
  addEventListener(type: string, listener: AnyListener | null, options?: ListenerOptions): void;
  removeEventListener(type: 'downloadprogress', listener: DownloadProgressListener | null, options?: boolean | { capture?: boolean }): void;
  removeEventListener(type: string, listener: AnyListener | null, options?: boolean | { capture?: boolean }): void;
}

export interface CreateOptions {
  /** The .s2s model: a URL, a file path (Node), an ArrayBuffer or a Uint8Array. */
  model: ModelSource;
  /** Called once with an EventTarget that receives 'downloadprogress' events. */
  monitor?: (target: DownloadMonitor) => void;
  /** Cancels loading; the promise rejects with signal.reason (an AbortError by default). */
  signal?: AbortSignal;
  /** SHA-256 of the model file: "sha256-<base64>" or 64 hex digits. Checked in browsers and Node. */
  integrity?: string;
  /** Which WebAssembly build: 'auto' ('relaxed' where relaxedSupported(), else 'simd' where
   *  WebAssembly.validate accepts SIMD128, else 'scalar'), 'relaxed', 'simd' or 'scalar'. */
  engine?: EngineFlavor | 'auto';
  /** Where the seq2seq-*.wasm builds are, if not in the package's dist/. */
  engineBaseUrl?: string | URL;
}

export interface TranslateOptions {
  /** 1 (greedy, the default) to 32. */
  beamSize?: number;
  /** At most this many target tokens per sentence, 1–511. Default: 2 × source tokens + 10. */
  maxLength?: number;
  /** score = log-probability / length^lengthPenalty, 0–5. Default: the model's
   *  (`model.lengthPenalty`: the file's `length_penalty` metadata, else 1). */
  lengthPenalty?: number;
  /** Never write a piece right after itself when it starts a word with a letter
   *  ("the the"; digits and punctuation may repeat). Default: the model's
   *  (`model.blockRepeats`: the file's `block_repeats` metadata, else false). */
  blockRepeats?: boolean;
  /**
   * Return the attention weights (default false; a model without attention gives null).
   * 'heads' also returns `attentionHeads` (every decoder layer's and head's cross-attention)
   * and `encoderAttention` (the encoder's self-attention); null for an RNN model. Not with html.
   */
  attention?: boolean | 'heads';
  /**
   * Score only the model's lexical shortlist, the target pieces each sentence can plausibly
   * use (default true; no effect for a model without one). false: the whole vocabulary.
   */
  shortlist?: boolean;
  /**
   * Pick among the beam's finished translations with the model loadRerankModel loaded (the
   * other direction): score + rerankWeight × its log P(source | translation) per source token.
   * Default: true when a rerank model is loaded. Useful with beamSize > 1; takes about 3× beam 4's
   * time with the shipped Transformers.
   */
  rerank?: boolean;
  /** 0–100. Default: the model's (`model.rerankWeight`: the file's `rerank_weight` metadata);
   *  reranking with neither is an InvalidArgumentError. */
  rerankWeight?: number;
  /** Cancels a batch between chunks of sentences. */
  signal?: AbortSignal;
  /**
   * The text is an HTML fragment and so is the result's `text` (docs/html.md): tags, comments,
   * scripts and styles are kept as written, inline elements are placed around the words their
   * text was translated into. The result's top-level `attention` is then null.
   */
  html?: boolean;
  /** With html: true, the attributes whose values are translated too (e.g. ['title', 'alt', 'placeholder']). */
  attributes?: string[];
}

/**
 * Options of translateStreaming. With html: true the chunks are markup copied as
 * written or whole units of translated HTML (docs/html.md), joining to the greedy
 * translate(html, { html: true }).text.
 */
export type StreamOptions = Omit<TranslateOptions, 'beamSize' | 'attention'> & {
  /** 'heads': each token chunk also carries `attentionHeads` (Transformer models; null otherwise). */
  attention?: 'heads';
};

/**
 * Attention per layer and head, one flat row-major Float32Array laid out
 * (layers, heads, rows, cols): weight (l, h, r, c) is data[((l * heads + h) * rows + r) * cols + c].
 * Each row sums to 1 over its own sentence's source tokens (and is zero outside it).
 */
export interface AttentionHeads {
  layers: number;
  heads: number;
  rows: number;
  cols: number;
  data: Float32Array;
}

/** One streamed token's attention per decoder layer and head: (layers, heads, cols). */
export interface StreamAttentionHeads {
  layers: number;
  heads: number;
  cols: number;
  data: Float32Array;
}

export interface SentenceResult {
  /** The source sentence (NFC, without surrounding whitespace, and without the emoji
   *  around it, which the text keeps: empty for a text of only emoji). */
  source: string;
  text: string;
  sourceIds: Int32Array;
  targetIds: Int32Array;
  sourceTokens: string[];
  targetTokens: string[];
  /** One log-probability per target token, then the end-of-sentence token's. */
  tokenLogprobs: Float32Array;
  /** One row per target token over the source tokens; null unless asked for. */
  attention: Float32Array[] | null;
  /** The search's score: log-probability / length^lengthPenalty. */
  score: number;
  /** The rerank model's log P(source | this translation) per source token; null without reranking. */
  rerankLogprob: number | null;
  /**
   * How likely this sentence is a good translation, in [0, 1], from the model's own
   * calibration (meta.confidence, fitted on its dev split: the probability that the
   * sentence's chrF2 against a human reference reaches the calibration's threshold);
   * null when the model file has no calibration.
   */
  confidence: number | null;
}

export interface TranslationResult {
  /** The translation; sentences joined with the whitespace that separated them. */
  text: string;
  /** Subword pieces of every sentence, in order ("▁" marks a space). */
  sourceTokens: string[];
  targetTokens: string[];
  sourceIds: Int32Array;
  targetIds: Int32Array;
  /**
   * One row per target token, each over all source tokens (a row is zero
   * outside its own sentence); null unless `attention: true`.
   */
  attention: Float32Array[] | null;
  /**
   * With attention: 'heads': every decoder layer's and head's cross-attention, rows the
   * target tokens and cols the source tokens (as `attention`, which is the mean of the last
   * layer's heads); null for a model without heads (RNN). Absent otherwise.
   */
  attentionHeads?: AttentionHeads | null;
  /** With attention: 'heads': the encoder's self-attention, rows = cols = source tokens. */
  encoderAttention?: AttentionHeads | null;
  /** The mean of the sentences' scores (0 for an empty text). */
  score: number;
  /** The lowest of the sentences' confidences (a text is as good as its weakest sentence); null without a calibration. */
  confidence: number | null;
  sentences: SentenceResult[];
}

export interface StreamChunk {
  /** Text to append; joining every chunk's text gives translate(text).text with beam 1. */
  text: string;
  /** The token decided, or null for whitespace between sentences (and a rare held-back tail). */
  id: number | null;
  token: string | null;
  logprob: number;
  /** The token's attention over its sentence's source tokens (null for whitespace chunks). */
  attention: Float32Array | null;
  /** With attention: 'heads': the token's attention per decoder layer and head. */
  attentionHeads?: StreamAttentionHeads | null;
  /** Index of the sentence within the text. */
  sentence: number;
}

export type TrainingPair = [source: string, target: string] | { source: string; target: string };

export interface FineTuneProgress {
  step: number;
  steps: number;
  loss: number;
  tokens: number;
}

export interface FineTuneOptions {
  /** Optimizer steps (default 10, at most 100000). */
  steps?: number;
  /** Adam learning rate in (0, 1]. Default: the model's fineTuneLearningRate (3e-4 RNN, 1e-4 Transformer). */
  learningRate?: number;
  /** Pairs per step, cycling through the pairs (default 16). */
  batchSize?: number;
  /** Default 0.2 (the library's). */
  dropout?: number;
  /** Default 0.1 (the library's). */
  labelSmoothing?: number;
  /** Seed of the dropout masks. */
  seed?: number;
  /** General pairs mixed into every batch (cycled in order) so that the model keeps what it
   *  knew; at most 10000. The page mixes in everyday sentences of the training phrasebook. */
  replay?: TrainingPair[];
  /** The share of each batch the replay pairs take, in [0, 0.9] (default 0.5). */
  replayShare?: number;
  onProgress?: (progress: FineTuneProgress) => void;
  /** Stops between steps; the steps done stay. */
  signal?: AbortSignal;
}

export interface ModelInfo {
  /** The hyper-parameters, named and ordered as the engine's table (s2s_hparam_key, camelCased);
   *  tests/js/model-info.test.js checks that this list and the engine's agree. */
  srcVocab: number; tgtVocab: number; embDim: number; encHidden: number; decHidden: number;
  layers: number; bidirectional: number; cell: number; attention: number; bridge: number;
  inputFeed: number; tieOutput: number; architecture: number;
  /** The Transformer's (0 in a recurrent model's file): heads, feed-forward width, decoder
   *  layers (`layers` is the encoder's), positions, learned positions kept, activation. */
  heads: number; ffDim: number; decLayers: number; positions: number; maxPositions: number;
  activation: number;
  /** The engine's name of each enum value (s2s_hparam_value_name). A Transformer's file has
   *  cell, attention and bridge 0, so their names mean nothing there: read architectureName first. */
  cellName: 'rnn' | 'lstm' | 'gru'; attentionName: 'none' | 'bahdanau' | 'luong-dot' | 'luong-general';
  bridgeName: 'copy' | 'project' | 'zero'; architectureName: 'rnn' | 'transformer';
  positionsName: 'sinusoidal' | 'learned'; activationName: 'relu' | 'gelu';
  parameters: number;
  /** Whether the weights in use are int8. */
  quantized: boolean;
  /** Whether the loaded file was int8. */
  loadedQuantized: boolean;
  /** The language tags the file names (`meta.source_language`, `meta.target_language`,
   *  e.g. "en" and "es"); null when the file does not say (files made before 0.2 are
   *  English -> Spanish). */
  sourceLanguage: string | null;
  targetLanguage: string | null;
  /** The file's lexical shortlist: frequent pieces always allowed, candidates per source piece. */
  shortlist: { frequent: number; candidates: number } | null;
  /** The length penalty a search uses when the call names none: the file's
   *  `length_penalty` metadata (chosen on dev data when the model was shipped), else 1. */
  lengthPenalty: number;
  /** Whether a search that names no blockRepeats keeps a word from following itself:
   *  the file's `block_repeats` metadata (the shipped Transformers set it), else false. */
  blockRepeats: boolean;
  /** The weight of a rerank model's score when a call names none: the file's `rerank_weight`
   *  metadata (chosen on dev data for the shipped reverse model), else 0. */
  rerankWeight: number;
  /** The languages of the model loadRerankModel loaded, or null. */
  rerank: { sourceLanguage: string | null; targetLanguage: string | null } | null;
  /** fineTune's default learningRate for this model's family: 3e-4 (RNN), 1e-4 (Transformer). */
  fineTuneLearningRate: number;
  fineTuned: boolean;
  fineTuneSteps: number;
}

/** The WebAssembly builds: 'relaxed' adds relaxed SIMD's int8 dot product to 'simd' (with
 *  7-bit activations in the int8 layers, so its translations may differ slightly). */
export type EngineFlavor = 'relaxed' | 'simd' | 'scalar';

export interface EngineInfo {
  flavor: EngineFlavor;
  /** true for 'simd' and 'relaxed' (both use SIMD128). */
  simd: boolean;
}

/** The documented input limits (docs/limits.md). */
export declare const LIMITS: Readonly<{
  maxSentenceTokens: 512;
  maxOutputTokens: 511;
  maxTextLength: 100000;
  maxBatch: 10000;
  maxTotalLength: 1000000;
  maxAttentionWeights: 4000000;
  maxBeam: 32;
  maxFineTunePairs: 10000;
  maxFineTuneSteps: 100000;
  maxHtmlDepth: 1000;
}>;

/** A translator (one model file, one direction: model.sourceLanguage -> targetLanguage) in this thread. */
export declare class Translator {
  private constructor();
  static create(options: CreateOptions): Promise<Translator>;
  readonly engine: EngineInfo;
  readonly model: ModelInfo;
  readonly destroyed: boolean;
  /** Bytes the engine's allocator has in use. */
  readonly heapUsed: number;
  /** Bytes of the engine's WebAssembly memory (it only grows: the peak so far). */
  readonly memoryBytes: number;
  metadata(key: string): string | null;
  translate(text: string, options?: TranslateOptions): Promise<TranslationResult>;
  translate(texts: string[], options?: TranslateOptions): Promise<TranslationResult[]>;
  translateStreaming(text: string, options?: StreamOptions): AsyncIterable<StreamChunk>;
  /** Resolves with the loss of every step. */
  fineTune(pairs: TrainingPair[], options?: FineTuneOptions): Promise<number[]>;
  /** The weights in use as a .s2s file (f32 after fine-tuning unless quantize: true). */
  save(options?: { quantize?: boolean }): Promise<Uint8Array>;
  /** Back to the loaded weights. */
  reset(): Promise<void>;
  /** Loads a model of the other direction (same vocabulary) for TranslateOptions.rerank into
   *  this translator's engine, replacing one loaded before; null unloads it. */
  loadRerankModel(model: ModelSource | null, options?: { integrity?: string; signal?: AbortSignal }): Promise<void>;
  destroy(): void;
}

/** The same API with the engine in a worker (Web Worker or worker_threads). */
export declare class WorkerTranslator {
  private constructor();
  static create(options: CreateOptions): Promise<WorkerTranslator>;
  readonly engine: EngineInfo;
  /** The model as loaded; getModel() for the current state. */
  readonly model: ModelInfo;
  readonly destroyed: boolean;
  getModel(): Promise<ModelInfo>;
  metadata(key: string): Promise<string | null>;
  heapUsed(): Promise<number>;
  memoryBytes(): Promise<number>;
  translate(text: string, options?: TranslateOptions): Promise<TranslationResult>;
  translate(texts: string[], options?: TranslateOptions): Promise<TranslationResult[]>;
  translateStreaming(text: string, options?: StreamOptions): AsyncIterable<StreamChunk>;
  fineTune(pairs: TrainingPair[], options?: FineTuneOptions): Promise<number[]>;
  save(options?: { quantize?: boolean }): Promise<Uint8Array>;
  reset(): Promise<void>;
  loadRerankModel(model: ModelSource | null, options?: { integrity?: string; signal?: AbortSignal }): Promise<void>;
  /** Terminates the worker; calls in flight reject with DestroyedError. */
  destroy(): void;
}

/**
 * The DOM element translateElement takes: any Element. Written structurally
 * (not `Element`), so that this file compiles with Node's types alone too.
 */
export interface ElementLike {
  readonly nodeType: number;
  readonly ownerDocument: object | null;
  getAttribute(name: string): string | null;
}

export interface TranslateElementProgress {
  /** Work items done (units, or text nodes in 'nodes' mode, and attribute values). */
  done: number;
  total: number;
}

export interface TranslateElementOptions {
  /** Attributes whose values are translated (default ['title', 'alt', 'placeholder', 'aria-label']). */
  attributes?: string[];
  /**
   * 'block' (default): each paragraph-like unit is translated whole with its inline
   * elements placed by html.js; 'nodes': each text node alone, as plain text (the tree is
   * never reshaped, no HTML is parsed; needs no Trusted Types policy).
   */
  mode?: 'block' | 'nodes';
  /** Units (and attribute values) per translate call, 1–10000 (default 16). */
  batchSize?: number;
  /** Called after each batch is applied. */
  onProgress?: (progress: TranslateElementProgress) => void;
  /** Stops between batches (whole units only); the promise rejects with signal.reason. */
  signal?: AbortSignal;
  /** Adds data-s2s-confidence to the block of each unit whose confidence is below this (0–1). */
  markLowConfidence?: number;
  beamSize?: number;
  maxLength?: number;
  lengthPenalty?: number;
  blockRepeats?: boolean;
  shortlist?: boolean;
}

export interface ElementTranslation {
  /** Units (text nodes in 'nodes' mode) translated. */
  units: number;
  /** Attribute values translated. */
  attributes: number;
  /** Sentences of the units. */
  sentences: number;
  /** The lowest unit confidence; null without a calibration or without units. */
  confidence: number | null;
  /** Puts back the original nodes, text and attribute values (safe to call twice). */
  restore(): void;
}

/**
 * Translates the text and named attributes of a DOM subtree in place, keeping the
 * page's element nodes (browsers only; docs/html.md, "Translating a page in place").
 * Rejects with an InvalidArgumentError when root, or an element around or inside it,
 * is already translated.
 */
export declare function translateElement(
  translator: Pick<Translator, 'translate'> | Pick<WorkerTranslator, 'translate'>,
  root: ElementLike,
  options?: TranslateElementOptions,
): Promise<ElementTranslation>;
/** Undoes translateElement on root (also after an abort or failure); false when there was nothing. */
export declare function restoreElement(root: ElementLike): boolean;

/** True when this environment runs WebAssembly SIMD128. */
export declare function simdSupported(): boolean;
/** True when relaxed SIMD's int8 dot product validates here and passes a self-test of its
 *  standard meaning (Node 20's pre-standard one does not). */
export declare function relaxedSupported(): boolean;
/** The build `engine` resolves to here. */
export declare function chooseFlavor(requested?: EngineFlavor | 'auto'): EngineFlavor;
export declare const ENGINE_FILES: Readonly<{ simd: string; scalar: string; relaxed: string }>;

export declare class Seq2SeqError extends Error {
  readonly code: string;
}
/** Wrong type or out-of-range value of an argument or option. */
export declare class InvalidArgumentError extends Seq2SeqError { readonly code: 'INVALID_ARGUMENT'; }
/** A call after destroy(). */
export declare class DestroyedError extends Seq2SeqError { readonly code: 'DESTROYED'; }
/** A malformed, truncated, damaged or unsupported model file. */
export declare class ModelError extends Seq2SeqError { readonly code: 'INVALID_MODEL'; }
/** The model's SHA-256 differs from `integrity`. */
export declare class IntegrityError extends Seq2SeqError { readonly code: 'INTEGRITY'; }
/** The model could not be fetched or read. */
export declare class NetworkError extends Seq2SeqError { readonly code: 'NETWORK'; }
/** Beyond LIMITS. */
export declare class InputTooLongError extends Seq2SeqError { readonly code: 'INPUT_TOO_LONG'; }
/** Text with lone surrogates. */
export declare class BadTextError extends Seq2SeqError { readonly code: 'BAD_TEXT'; }
/** A fine-tuning step gave NaN/infinity or an exploding loss and was undone. */
export declare class DivergedError extends Seq2SeqError {
  readonly code: 'DIVERGED';
  /** The losses of the steps before it. */
  readonly losses: number[];
}
/** No WebAssembly (or no SIMD when 'simd' was required), or a missing platform feature. */
export declare class UnsupportedError extends Seq2SeqError { readonly code: 'UNSUPPORTED'; }
export declare class OutOfMemoryError extends Seq2SeqError { readonly code: 'OUT_OF_MEMORY'; }
/** An internal failure (a bug). */
export declare class EngineError extends Seq2SeqError { readonly code: 'ENGINE'; }

// only the declarations marked `export` are the package's (helper types above stay private)
export {};
