// What the browser tests (run.mjs, monitoring.mjs) share: the devices, the zhenxing server on a
// fresh demo database, the browser, pages that record every 5xx and script error, screenshots
// (FAILED-<test>-<n>.png of every open page when a test fails) and a few page helpers.
//
// Each test file makes one harness with createHarness() and hands its start/stop to before/after:
//
//   const h = createHarness({ shots: 'screenshots', tmpPrefix: 'zhenxing-e2e-' });
//   before(h.start);
//   after(h.stop);
//
// ZHENXING_BIN names the binary (required), CHROMIUM the browser, E2E_KEEP=1 keeps the temp dir
// (database, server log).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = process.env.ZHENXING_BIN;
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const PASSWORD = 'zhenxing-demo';
export const QINGYAN = '青岩村';
export const STARTUP_TIMEOUT_MS = 150_000; // demo fill of ~12,500 households on a slow 2-core box
export const DESKTOP = { viewport: { width: 1366, height: 768 }, locale: 'zh-CN' };
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
};

export const norm = (s) => (s ?? '').replace(/\s+/g, ' ').trim();
export const textOf = async (locator) => norm(await locator.innerText());

/** Index of a column by its header text in a table. */
export async function columnIndex(table, header) {
  const headers = (await table.locator('thead th').allInnerTexts()).map(norm);
  const i = headers.indexOf(header);
  assert.ok(i >= 0, `column ${header} in ${JSON.stringify(headers)}`);
  return i;
}

export async function assertNoHorizontalScroll(page, where) {
  const { scrollWidth, innerWidth, bodyScrollWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(
    scrollWidth <= innerWidth && bodyScrollWidth <= innerWidth,
    `${where}: page scrolls sideways (documentElement ${scrollWidth}px, body ${bodyScrollWidth}px > window ${innerWidth}px)`,
  );
}

// ---------- server ----------

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `zhenxing serve --demo` on a fresh SQLite database in a new temp dir named `tmpPrefix…`
 * and resolves with { proc, url, dir, log } once it prints its URL. `onSpawn` gets the same object
 * (url still undefined) as soon as the process exists, so that a failed start can be cleaned up.
 */
async function startServer(tmpPrefix, onSpawn) {
  assert.ok(BIN, 'set ZHENXING_BIN to the zhenxing binary (see scripts/e2e.sh)');
  const dir = mkdtempSync(join(tmpdir(), tmpPrefix));
  const port = await freePort();
  const logPath = join(dir, 'server.log');
  const logFd = openSync(logPath, 'w');
  const proc = spawn(
    BIN,
    ['serve', '--demo', '--db', `sqlite://${join(dir, 'e2e.db')}`, '--addr', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', logFd], env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' } },
  );
  onSpawn({ proc, url: undefined, dir, log: logPath });
  let stdout = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not print its URL within ${STARTUP_TIMEOUT_MS / 1000}s:\n${stdout}`)),
      STARTUP_TIMEOUT_MS,
    );
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      stdout += chunk;
      const m = stdout.match(/已启动:\s*(http:\/\/\S+?)\/?\s*$/m);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      let log = '';
      try { log = readFileSync(logPath, 'utf8').slice(-4000); } catch { /* no log */ }
      reject(new Error(`server exited early (code ${code}, signal ${signal}):\n${stdout}\n${log}`));
    });
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
  proc.stdout.resume(); // keep draining the logins and anything later
  return { proc, url, dir, log: logPath };
}

/** Stops the server gracefully (SIGKILL after 5 s) and removes its temp dir unless E2E_KEEP is set. */
async function stopServer({ proc, dir }) {
  if (proc.exitCode === null && proc.signalCode === null) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGINT'); // graceful shutdown (the server listens for ctrl-c)
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
  if (process.env.E2E_KEEP) console.log(`# kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync',
    ],
  });
}

// ---------- the harness ----------

/**
 * One test file's server, browser and pages.
 *
 * - `shots`: folder under e2e/ for the screenshots and the FAILED-*.png of failing tests.
 * - `tmpPrefix`: prefix of the temp dir that holds the database and the server log.
 * - `contextOptions`: added to every browser context (e.g. { acceptDownloads: true }).
 * - `tapOnTouch`: login() and press() tap instead of click on pages of a touch context.
 * - `touchShotStyle`: CSS applied to full-page screenshots of pages of a touch context.
 *
 * Returns start/stop for before/after, serverErrors (every 5xx and script error any page got, to
 * be checked after all tests) and the page helpers bound to this server.
 */
export function createHarness({ shots, tmpPrefix, contextOptions = {}, tapOnTouch = false, touchShotStyle }) {
  const shotsDir = join(HERE, shots);
  let server; // { proc, url, dir, log }
  let browser;
  const serverErrors = [];
  const touchPages = new WeakSet(); // pages of a touch context

  // Never leave the server behind, even when the runner is interrupted.
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      server?.proc.kill('SIGKILL');
      process.exit(130);
    });
  }
  process.once('exit', () => server?.proc.kill('SIGKILL'));

  async function start() {
    mkdirSync(shotsDir, { recursive: true });
    const t0 = Date.now();
    // Both start at once; each is kept as soon as it is up so that stop() can end it even when
    // the other one failed.
    const launching = launchBrowser().then((b) => (browser = b));
    const starting = startServer(tmpPrefix, (s) => (server = s)).then((s) => (server = s));
    const [b, s] = await Promise.allSettled([launching, starting]);
    for (const r of [b, s]) if (r.status === 'rejected') throw r.reason;
    console.log(`# server up at ${server.url} after ${((Date.now() - t0) / 1000).toFixed(1)}s (demo fill included)`);
  }

  async function stop() {
    await browser?.close().catch(() => {});
    if (!server) return;
    await stopServer(server);
    server = undefined;
  }

  /** Records every 5xx response and script error of `page` in serverErrors. */
  function watch(page) {
    page.on('response', (r) => {
      if (r.status() >= 500) serverErrors.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
    page.on('pageerror', (e) => serverErrors.push(`page error on ${page.url()}: ${e.message}`));
  }

  async function newPage(options) {
    const context = await browser.newContext({ baseURL: server.url, ...contextOptions, ...options });
    context.setDefaultTimeout(15_000);
    context.setDefaultNavigationTimeout(30_000);
    const page = await context.newPage();
    if (options?.hasTouch) touchPages.add(page);
    watch(page);
    return page;
  }

  async function shot(page, name, fullPage = true) {
    const style = touchShotStyle && touchPages.has(page) && fullPage ? touchShotStyle : undefined;
    await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage, style });
  }

  /** Runs a test body with its own page(s); on failure leaves FAILED-<name>-<n>.png of every open page. */
  async function withPages(name, body) {
    const pages = [];
    const open = async (options) => {
      const p = await newPage(options);
      pages.push(p);
      return p;
    };
    try {
      await body(open);
    } catch (e) {
      for (const [i, p] of pages.entries()) {
        await p.screenshot({ path: join(shotsDir, `FAILED-${name}-${i}.png`), fullPage: true }).catch(() => {});
        e.message += `\n  (page ${i} was at ${p.url()})`;
      }
      throw e;
    } finally {
      for (const p of pages) await p.context().close().catch(() => {});
    }
  }

  /** Clicks; on a page of a touch context taps instead when the harness was made with tapOnTouch. */
  async function press(page, locator) {
    if (tapOnTouch && touchPages.has(page)) await locator.tap();
    else await locator.click();
  }

  /** Fills the login form like a user and waits until the browser has left /login. */
  async function login(page, username, { shotName } = {}) {
    await page.goto('/login');
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(PASSWORD);
    if (shotName) await shot(page, shotName);
    await press(page, page.getByRole('button', { name: '登录', exact: true }));
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.waitForLoadState('load');
  }

  return { start, stop, serverErrors, watch, shot, withPages, press, login };
}
