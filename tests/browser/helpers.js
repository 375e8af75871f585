// helpers.js — what the browser tests share: Debian's Chromium driven by
// playwright-core (skipped when either is missing, unless
// S2S_BROWSER_REQUIRED=1), its flags, and a watcher that records every
// request and every console error or warning, page error and failed request.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHROMIUM = process.env.S2S_CHROMIUM || '/usr/bin/chromium';
export const REQUIRED = process.env.S2S_BROWSER_REQUIRED === '1';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

let chromium = null, why = null;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  why = `playwright-core is not installed (npm install): ${e.message.split('\n')[0]}`;
}
if (!why && !existsSync(CHROMIUM)) why = `no Chromium at ${CHROMIUM} (sh tools/setup.sh --browser installs it)`;
if (why && REQUIRED) throw new Error(`browser tests required (S2S_BROWSER_REQUIRED=1) but ${why}`);

export { chromium };
/** false, or why the browser tests are skipped. */
export const skip = why ?? false;

/** A persistent Chromium context on `profile` (a fresh directory). */
export function launch(profile, options = {}) {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 120_000,
    ...options,
  });
}

/**
 * The repository served by tests/browser/server.js (`server` are its
 * options, e.g. { files } that replace web/config.js), a fresh Chromium
 * profile named after `name`, launched with `options`, and its first page,
 * everything watched (watch()): { server, profile, context, w, page }.
 */
export async function openBrowser(name, server, options = {}, watched = {}) {
  const opened = {};
  try {
    opened.server = await startServer(server);
    opened.profile = mkdtempSync(join(tmpdir(), `s2s-${name}-`));
    opened.context = await launch(opened.profile, options);
    opened.w = watch(opened.context, watched);
    opened.page = opened.context.pages()[0] ?? await opened.context.newPage();
    opened.w.watchPage(opened.page);
  } catch (e) {
    await closeAll(opened); // what opened before the failure: the caller gets nothing to close
    throw e;
  }
  return opened;
}

/**
 * The API test page (tests/browser/index.html) served from the repository
 * root, in a fresh Chromium without service workers, watched into `requests`
 * and `problems`, ready once the page says so: { server, context, page, profile }.
 */
export async function openTestPage({ requests, problems, viewport } = {}) {
  const { server, profile, context, page } = await openBrowser('chromium', { root: ROOT },
    { ...(viewport ? { viewport } : {}), serviceWorkers: 'block' }, { requests, problems });
  await page.goto(`${server.origin}/tests/browser/index.html`);
  await page.waitForFunction(() => window.s2sBrowserTest !== undefined, null, { timeout: 60_000 });
  return { server, context, page, profile };
}

/** Closes what a test opened (each may be missing) and removes its profile directory. */
export async function closeAll({ context, server, profile }) {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
}

/**
 * Records, for a context and its pages, every URL asked for (pages, workers,
 * service workers) in `requests` and every problem (console error or warning,
 * page error, failed request) in `problems`. Call watchPage for each page.
 */
export function watch(context, { requests = [], problems = [] } = {}) {
  context.on('request', (r) => requests.push(r.url()));
  context.on('requestfailed', (r) => {
    // The favicon is fetched after the page has loaded; a test that moves on (goto, close) while the
    // machine is busy cancels it. That is the browser's doing, not a page fault: a missing icon
    // would still be a 404 on the servers' request logs.
    if (r.failure()?.errorText === 'net::ERR_ABORTED' && new URL(r.url()).pathname.endsWith('/icon.svg')) return;
    problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`);
  });
  context.on('weberror', (e) => problems.push(`web error: ${e.error().message}`));
  const watchPage = (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('worker', (w) => requests.push(w.url()));
  };
  return { requests, problems, watchPage };
}
