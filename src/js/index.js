// index.js — the package's entry point (types: index.d.ts).
export { Translator, LIMITS } from './translator.js';
export { WorkerTranslator } from './worker-translator.js';
export { translateElement, restoreElement } from './dom.js';
export { DownloadProgressEvent } from './model-source.js';
export { simdSupported, relaxedSupported, chooseFlavor, ENGINE_FILES } from './engine.js';
export {
  Seq2SeqError, InvalidArgumentError, DestroyedError, ModelError, IntegrityError, NetworkError,
  InputTooLongError, BadTextError, DivergedError, UnsupportedError, OutOfMemoryError, EngineError,
} from './errors.js';
