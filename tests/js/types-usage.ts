// types-usage.ts — the public API used the way the README documents it, for
// the TypeScript compiler only (tests/js/types.test.js runs `tsc --noEmit
// --strict` on it; it is never run). It imports the package by its name, so
// package.json's "exports" → "types" is what resolves it. Each
// `@ts-expect-error` line is a misuse that index.d.ts must reject: tsc fails
// if the line after it compiles.
import {
  Translator, WorkerTranslator, LIMITS, DownloadProgressEvent, simdSupported, relaxedSupported, chooseFlavor, ENGINE_FILES,
  Seq2SeqError, InvalidArgumentError, DestroyedError, ModelError, IntegrityError, NetworkError,
  InputTooLongError, BadTextError, DivergedError, UnsupportedError, OutOfMemoryError, EngineError,
  translateElement, restoreElement,
} from 'seq2seq-wasm';
import type {
  CreateOptions, TranslateOptions, TranslationResult, SentenceResult, StreamChunk, TrainingPair,
  FineTuneOptions, FineTuneProgress, ModelInfo, EngineInfo, EngineFlavor, ModelSource,
  ElementLike, ElementTranslation, TranslateElementOptions,
} from 'seq2seq-wasm';

export async function readme(): Promise<void> {
  const t = await Translator.create({
    model: 'models/en-es.s2s',
    integrity: 'sha256-J9W6Idwq336kCrpEUIvs0NQ2BtJsddL/hk33ABmwUhU=',
    signal: AbortSignal.timeout(30_000),
    monitor(m) { m.addEventListener('downloadprogress', (e) => console.log(e.loaded, e.total)); },
  });
  const engine: EngineInfo = t.engine;
  const flavor: 'relaxed' | 'simd' | 'scalar' = engine.flavor;
  const simd: boolean = t.engine.simd;

  // one text, with options
  const r = await t.translate('Open the file. Save it.', { beamSize: 4, attention: true, maxLength: 40, lengthPenalty: 1 });
  // HTML in, HTML out
  const h: string = (await t.translate('<p>Open <b>the file</b>.</p>', { html: true, attributes: ['title', 'alt'] })).text;
  void h;
  const text: string = r.text;
  const pieces: string[] = [...r.sourceTokens, ...r.targetTokens];
  const score: number = r.score;
  const ids: Int32Array = r.targetIds;
  if (r.attention) for (const row of r.attention) row satisfies Float32Array;
  const first: SentenceResult | undefined = r.sentences[0];
  const logprobs: Float32Array | undefined = first?.tokenLogprobs;

  // a batch: an array of results
  const batch: TranslationResult[] = await t.translate(['One.', 'Two.']);
  await t.loadRerankModel('models/es-en-transformer.s2s', { integrity: 'sha256-AAAA' });
  const reranked = await t.translate('Open the file.', { beamSize: 4, rerank: true, rerankWeight: 0.02 });
  const reverseLogprob: number | null = reranked.sentences[0].rerankLogprob;
  const weight: number = t.model.rerankWeight;
  const rerankFrom: string | null = t.model.rerank?.sourceLanguage ?? null;
  await t.loadRerankModel(null);
  const texts: string[] = (await t.translate(['One.', 'Two.'], { beamSize: 2, signal: new AbortController().signal })).map((x) => x.text);

  // streaming
  let joined = '';
  for await (const piece of t.translateStreaming('Open the file.')) joined += piece.text;
  for await (const c of t.translateStreaming('Open the file.', { maxLength: 20, lengthPenalty: 0.5 })) {
    const chunk: StreamChunk = c;
    const id: number | null = chunk.id;
    if (chunk.attention) chunk.attention satisfies Float32Array;
    if (chunk.sentence > 0) break;
    void id;
  }

  // fine-tuning, with progress and a signal; save; reset
  const ac = new AbortController();
  const pairs: TrainingPair[] = [['Open the file.', 'Abre el archivo.'], { source: 'Close the window.', target: 'Cierra la ventana.' }];
  const losses: number[] = await t.fineTune(pairs, {
    steps: 20, learningRate: 1e-3, batchSize: 8, dropout: 0.1, labelSmoothing: 0, seed: 1,
    signal: ac.signal,
    onProgress: (p: FineTuneProgress) => { if (p.step === p.steps) console.log(p.loss, p.tokens); },
  });
  await t.fineTune([['Open the file.', 'Abre el archivo.']], { steps: 20, learningRate: 1e-3 });
  await t.fineTune(pairs, { steps: 2, replay: [['Good morning.', 'Buenos días.']], replayShare: 0.25 });
  const file: Uint8Array = await t.save();
  const int8: Uint8Array = await t.save({ quantize: true });
  await t.reset();

  // state and memory
  const m: ModelInfo = t.model;
  const tuned: boolean = m.fineTuned && m.fineTuneSteps > 0 && !m.quantized;
  const heap: number = t.heapUsed + t.memoryBytes;
  const name: string | null = t.metadata('name');
  const gone: boolean = t.destroyed;
  t.destroy();

  // the same in a worker: everything asynchronous
  const w = await WorkerTranslator.create({ model: new Uint8Array(file), engine: 'scalar' });
  const wr: TranslationResult = await w.translate('Open the file.', { beamSize: 4 });
  const wm: ModelInfo = await w.getModel();
  const wHeap: number = (await w.heapUsed()) + (await w.memoryBytes());
  const wName: string | null = await w.metadata('name');
  for await (const piece of w.translateStreaming('Open the file.')) joined += piece.text;
  await w.fineTune(pairs, { steps: 2, onProgress: ({ loss }) => console.log(loss) });
  const wFile: Uint8Array = await w.save();
  await w.reset();
  w.destroy();

  // limits and engine helpers
  const beam: 32 = LIMITS.maxBeam;
  const maxText: number = LIMITS.maxTextLength + LIMITS.maxBatch + LIMITS.maxFineTunePairs;
  const chosen: EngineFlavor = chooseFlavor(simdSupported() ? 'auto' : 'scalar');
  const wasm: string = ENGINE_FILES[chosen];
  const relaxed: boolean = relaxedSupported();
  // @ts-expect-error: no such build
  chooseFlavor('avx');
  const progress = new DownloadProgressEvent(10, 100);
  const fraction: number = progress.loaded / progress.total;

  // every model source
  const sources: ModelSource[] = ['models/en-es.s2s', new URL('file:///m.s2s'), new ArrayBuffer(8), new Uint8Array(8)];
  const options: CreateOptions = { model: sources[0]!, engine: 'auto', engineBaseUrl: new URL('https://example.org/dist/') };
  const topts: TranslateOptions = { beamSize: 1 };
  const fopts: FineTuneOptions = { steps: 1 };

  void [flavor, simd, text, pieces, score, ids, logprobs, batch, texts, joined, losses, int8, tuned, heap, name, gone,
    wr, wm, wHeap, wName, wFile, beam, maxText, wasm, fraction, options, topts, fopts];
}

/** Typed errors: instanceof narrows, `code` is a literal. */
export async function errors(t: Translator): Promise<string> {
  try {
    await t.fineTune([['Zebra', 'Cebra']], { steps: 5 });
    return 'tuned';
  } catch (e) {
    if (e instanceof DivergedError) {
      const code: 'DIVERGED' = e.code;
      const before: number[] = e.losses;
      return `${code} after ${before.length} steps: ${e.message}`;
    }
    if (e instanceof InvalidArgumentError) { const code: 'INVALID_ARGUMENT' = e.code; return code; }
    if (e instanceof DestroyedError) { const code: 'DESTROYED' = e.code; return code; }
    if (e instanceof ModelError) { const code: 'INVALID_MODEL' = e.code; return code; }
    if (e instanceof IntegrityError) { const code: 'INTEGRITY' = e.code; return code; }
    if (e instanceof NetworkError) { const code: 'NETWORK' = e.code; return code; }
    if (e instanceof InputTooLongError) { const code: 'INPUT_TOO_LONG' = e.code; return code; }
    if (e instanceof BadTextError) { const code: 'BAD_TEXT' = e.code; return code; }
    if (e instanceof UnsupportedError) { const code: 'UNSUPPORTED' = e.code; return code; }
    if (e instanceof OutOfMemoryError) { const code: 'OUT_OF_MEMORY' = e.code; return code; }
    if (e instanceof EngineError) { const code: 'ENGINE' = e.code; return code; }
    if (e instanceof Seq2SeqError) { const err: Error = e; return `${e.code}: ${err.message}`; }
    if (e instanceof Error && e.name === 'AbortError') return 'aborted';
    throw e;
  }
}

/** Translating a page in place (docs/html.md), with a Translator or a WorkerTranslator. */
export async function inPlace(t: Translator, w: WorkerTranslator, root: ElementLike): Promise<void> {
  const ac = new AbortController();
  const options: TranslateElementOptions = {
    attributes: ['title', 'alt'], mode: 'block', batchSize: 8, markLowConfidence: 0.5, beamSize: 2,
    signal: ac.signal, onProgress: (p) => { if (p.done === p.total) console.log('done'); },
  };
  const done: ElementTranslation = await translateElement(t, root, options);
  const counts: number = done.units + done.attributes + done.sentences;
  const lowest: number | null = done.confidence;
  done.restore();
  await translateElement(w, root, { mode: 'nodes' });
  const undone: boolean = restoreElement(root);
  void counts; void lowest; void undone;
  // @ts-expect-error: no such mode
  await translateElement(t, root, { mode: 'text' });
  // @ts-expect-error: an unknown option
  await translateElement(t, root, { html: true });
  // @ts-expect-error: root is an element, not a string
  await translateElement(t, '<p>Hi</p>');
}

/** Misuse that the types must reject. */
export async function misuse(t: Translator, w: WorkerTranslator): Promise<void> {
  // @ts-expect-error: the model is required
  await Translator.create({});
  // @ts-expect-error: not a model source
  await Translator.create({ model: 42 });
  // @ts-expect-error: an unknown option
  await Translator.create({ model: 'm.s2s', beamSize: 4 });
  // @ts-expect-error: no such build
  await Translator.create({ model: 'm.s2s', engine: 'gpu' });
  await Translator.create({
    model: 'm.s2s',
    monitor(m) {
      // @ts-expect-error: only 'downloadprogress' listeners get a DownloadProgressEvent
      m.addEventListener('progress', (e) => console.log(e.loaded));
      m.addEventListener('downloadprogress', { handleEvent: (e) => console.log(e.total) });
    },
  });
  // @ts-expect-error: the constructor is private: use create()
  new Translator();
  // @ts-expect-error: beamSize is a number
  await t.translate('Open the file.', { beamSize: '4' });
  // @ts-expect-error: attention is a boolean
  await t.translate('Open the file.', { attention: 'yes' });
  // @ts-expect-error: an unknown option
  await t.translate('Open the file.', { beam: 4 });
  // @ts-expect-error: a text, or an array of texts
  await t.translate(42);
  // @ts-expect-error: a batch gives an array, not one result
  const one: TranslationResult = await t.translate(['One.', 'Two.']);
  // @ts-expect-error: streaming is greedy: no beamSize
  t.translateStreaming('Open the file.', { beamSize: 4 });
  // @ts-expect-error: a pair has a source and a target
  await t.fineTune([['Open the file.']]);
  // @ts-expect-error: an unknown option
  await t.fineTune([['a', 'b']], { epochs: 3 });
  // @ts-expect-error: steps is a number
  await t.fineTune([['a', 'b']], { steps: '10' });
  // @ts-expect-error: quantize is a boolean
  await t.save({ quantize: 'yes' });
  // @ts-expect-error: read-only
  t.model = t.model;
  // @ts-expect-error: LIMITS is read-only
  LIMITS.maxBeam = 64;
  // @ts-expect-error: in a worker, heapUsed is asynchronous
  const heap: number = w.heapUsed;
  // @ts-expect-error: in a worker, metadata is asynchronous
  const name: string | null = w.metadata('name');
  // @ts-expect-error: DivergedError's code is 'DIVERGED'
  const code: 'NETWORK' = new DivergedError('x').code;
  void [one, heap, name, code];
}
