import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const uiBuild = fileURLToPath(new URL('../../../ui/build/', import.meta.url));

/** Fails loudly (never skips) when what the browser tests need is missing. */
export function requireBrowserAndBuild() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}. Install it with: apt-get update && apt-get install -y chromium`);
  }
  if (!existsSync(path.join(uiBuild, 'index.html'))) {
    throw new Error(`The UI is not built (${uiBuild}index.html is missing). Run: pnpm build`);
  }
}

/**
 * A private copy of the built UI for one test server, so a `pnpm build` running elsewhere
 * (another suite, a developer) cannot swap the files, and their script hashes, mid-journey.
 */
export function copyOfUiBuild(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-ui-'));
  cpSync(uiBuild, dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Requests that left the install (any origin but the server's). */
  external: string[];
  /** Console errors, including Content-Security-Policy violations. */
  consoleErrors: string[];
  close(): Promise<void>;
}

/** Debian's Chromium, headless, with a fresh profile directory of its own. */
export async function launch(origin: string, viewport = { width: 1280, height: 800 }): Promise<Browser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'cairn-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  // Generous: the suite shares two cores with other engines' tests.
  context.setDefaultTimeout(45_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const external: string[] = [];
  const consoleErrors: string[] = [];
  context.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) external.push(url);
  });
  const watch = (p: Page) =>
    p.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
  watch(page);
  context.on('page', watch);
  return {
    context,
    page,
    external,
    consoleErrors,
    async close() {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page (evaluated through the DevTools protocol, so the page's own
 * Content-Security-Policy stays strict) and returns serious and critical violations.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<unknown> } }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }),
  )) as { violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Where the journey saves its screenshots: docs/screenshots/ when CAIRN_UPDATE_SCREENSHOTS=1
 * (to refresh the committed ones), else a temporary directory, so a test run leaves the tree clean.
 */
export const screenshotsDir =
  process.env.CAIRN_UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url))
    : mkdtempSync(path.join(tmpdir(), 'cairn-screenshots-'));

export function removeTemporaryScreenshots() {
  if (process.env.CAIRN_UPDATE_SCREENSHOTS !== '1') rmSync(screenshotsDir, { recursive: true, force: true });
}
