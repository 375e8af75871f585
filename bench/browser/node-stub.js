// node-stub.js — stands in for the Node built-ins that the TF.js benchmark
// modules import but never call in a browser (bench/browser/tfjs.html maps
// them here): TF.js's wasm backend glue uses them only under Node, and
// bench/tfjs-model.mjs only for file paths, which the page never passes.
const unavailable = (what) => () => { throw new Error(`${what} is not available in a browser`); };
export const readFile = unavailable('readFile');
export const createRequire = unavailable('createRequire');
export default {};
