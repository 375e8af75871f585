// translate-loop.js — the one measurement loop of the translation benchmark,
// shared by Node (bench/run.mjs) and the Chromium page (bench/browser/): it
// takes a Translator or a WorkerTranslator, so every JS runtime is timed the
// same way, and bench_translate.c repeats it in C.
//
// Per sentence, one call each (the interactive case):
//   firstTokenMs  translateStreaming(sentence) until its first token
//                 (greedy only: beam search decides nothing before it ends,
//                 so with beamSize > 1 this is the whole call, callMs)
//   callMs        await translate(sentence, { beamSize })
//   tokens        target tokens produced (targetIds.length, EOS not counted)
// After `warmup` untimed calls (V8 tiers the engine up first). With reps > 1
// the whole pass runs `reps` times and each sentence keeps its fastest time:
// on a shared machine, the other passes filter out moments when another
// process had the core.

const now = () => performance.now();

/** Bytes of the engine's WebAssembly memory (a property on Translator, a method on WorkerTranslator). */
export async function memoryBytes(t) {
  return typeof t.memoryBytes === 'function' ? t.memoryBytes() : t.memoryBytes;
}

export async function measure(t, sentences, { beamSize = 1, warmup = 5, reps = 1, shortlist = true } = {}) {
  const opts = { beamSize, shortlist };
  for (const s of sentences.slice(0, warmup)) await t.translate(s, opts);
  const n = sentences.length;
  const firstTokenMs = new Array(n).fill(Infinity), callMs = new Array(n).fill(Infinity), tokens = new Array(n);
  for (let rep = 0; rep < reps; rep++) {
    if (beamSize === 1) {
      for (let i = 0; i < n; i++) {
        const t0 = now();
        for await (const chunk of t.translateStreaming(sentences[i], { shortlist })) if (chunk.id !== null) break;
        firstTokenMs[i] = Math.min(firstTokenMs[i], now() - t0);
      }
    }
    for (let i = 0; i < n; i++) {
      const t0 = now();
      const r = await t.translate(sentences[i], opts);
      callMs[i] = Math.min(callMs[i], now() - t0);
      tokens[i] = r.targetIds.length;
    }
  }
  if (beamSize > 1) firstTokenMs.splice(0, n, ...callMs);
  const seconds = callMs.reduce((a, b) => a + b, 0) / 1e3;
  return { sentences: n, reps, seconds, firstTokenMs, callMs, tokens, memoryBytes: await memoryBytes(t) };
}

/** All sentences as one array call (the batched case). */
export async function measureBatch(t, sentences, { beamSize = 1 } = {}) {
  await t.translate(sentences.slice(0, 16), { beamSize }); // warm-up
  const t0 = now();
  const rs = await t.translate(sentences, { beamSize });
  const seconds = (now() - t0) / 1e3;
  return { sentences: sentences.length, seconds, tokens: rs.map((r) => r.targetIds.length), memoryBytes: await memoryBytes(t) };
}
