// plain.js — a translation result as plain data (typed arrays to arrays), so
// the page's results and Node's can be compared with deepStrictEqual. Loaded
// by the test page in Chromium and by api.test.js in Node.
export function plain(r) {
  return {
    text: r.text,
    sourceTokens: r.sourceTokens,
    targetTokens: r.targetTokens,
    sourceIds: Array.from(r.sourceIds),
    targetIds: Array.from(r.targetIds),
    score: r.score,
    attention: r.attention ? r.attention.map((row) => Array.from(row)) : null,
    sentences: r.sentences.length,
  };
}
