import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveQuery } from '../../ui/src/lib/query/dates.js';
import { startTestCairn, type TestCairn } from '../support/cairn.js';
import { axeViolations, copyOfUiBuild, launch, removeTemporaryScreenshots, requireBrowserAndBuild, screenshotsDir, type Browser } from './support/browser.js';

const run = promisify(execFile);
const OWNER = { email: 'ada@acme.test', password: 'a long and careful password', org: 'Acme', project: 'Web app' };
const VIEWER = { email: 'vera@acme.test', password: 'viewer password that is long' };
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/**
 * 20 people first seen 8–14 days ago: all view a page, 14 sign up, 8 activate; some come back
 * 1 and 3 days later. The funnel $pageview → signed_up → activated is therefore 20 / 14 / 8.
 */
function dataset(now = Date.now()) {
  const day = 86_400_000;
  const events: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 20; i++) {
    const id = `user-${i}`;
    const start = Math.floor(now / day) * day - (14 - (i % 7)) * day + 10 * 3_600_000;
    const at = (ms: number) => new Date(start + ms).toISOString();
    const browser = i % 3 === 0 ? 'Firefox' : 'Chrome';
    events.push({ event: '$pageview', distinct_id: id, timestamp: at(0), properties: { $current_url: 'https://acme.test/', $browser: browser } });
    if (i < 14) events.push({ event: 'signed_up', distinct_id: id, timestamp: at(5 * 60_000), properties: { plan: i % 2 ? 'pro' : 'free' } });
    if (i < 8) events.push({ event: 'activated', distinct_id: id, timestamp: at(3_600_000), properties: {} });
    if (i % 2 === 0) events.push({ event: '$pageview', distinct_id: id, timestamp: at(day), properties: { $current_url: 'https://acme.test/app', $browser: browser } });
    if (i % 3 === 0) events.push({ event: '$pageview', distinct_id: id, timestamp: at(3 * day), properties: { $current_url: 'https://acme.test/app', $browser: browser } });
  }
  return events;
}

async function shot(page: Page, name: string) {
  const file = path.join(screenshotsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  expect(statSync(file).size).toBeLessThan(400_000);
}

/** Same-origin API call from inside the page: the session cookie and the CSRF header, like the UI. */
async function pageApi(page: Page, method: string, url: string, body?: unknown) {
  return page.evaluate(
    async ({ method, url, body }) => {
      const csrf = decodeURIComponent(document.cookie.match(/(?:^|;\s*)cairn_csrf=([^;]*)/)?.[1] ?? '');
      const res = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', ...(method === 'GET' ? {} : { 'x-csrf-token': csrf }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: res.status === 204 ? undefined : await res.json() };
    },
    { method, url, body },
  );
}

const funnelCounts = (page: Page, tile: string) =>
  page.locator(`[data-tile="${tile}"] table.funnel-steps td[data-step-count]`).allInnerTexts().then((t) => t.map((x) => Number(x.replace(/[^\d]/g, ''))));
const retentionCells = (page: Page, tile: string) =>
  page.locator(`[data-tile="${tile}"] td[data-cohort]`).evaluateAll((cells) => cells.map((c) => `${c.getAttribute('data-cohort')}:${c.getAttribute('data-period')}=${c.getAttribute('data-value')}`));

describe('the web UI, from a fresh install to a dashboard, in Chromium', { timeout: 180_000 }, () => {
  let cairn: TestCairn;
  let owner: Browser;
  let viewer: Browser | undefined;
  let projectId = '';
  let dashboardId = '';
  const insightIds: Record<string, string> = {};
  const a11y: Record<string, string[]> = {};

  let ui: ReturnType<typeof copyOfUiBuild> | undefined;

  beforeAll(async () => {
    requireBrowserAndBuild();
    ui = copyOfUiBuild();
    cairn = await startTestCairn({ CAIRN_UI_DIR: ui.dir });
    owner = await launch(cairn.url);
  });
  afterAll(async () => {
    await viewer?.close();
    await owner?.close();
    await cairn?.destroy();
    ui?.remove();
    removeTemporaryScreenshots();
  });

  it('sets up the first owner and lands on "send your first event"', async () => {
    const { page } = owner;
    await page.goto(cairn.url + '/');
    await page.waitForURL(/\/setup$/);
    a11y.setup = await axeViolations(page);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill('short');
    await page.getByLabel('Organization').fill(OWNER.org);
    await page.getByLabel('First project').fill(OWNER.project);
    await page.getByRole('button', { name: 'Create owner and project' }).click();
    // The API's field error is shown next to the field it names.
    await expect.poll(() => page.locator('.field-error').first().innerText(), { timeout: 45_000 }).toMatch(/12 characters/);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Create owner and project' }).click();
    await page.waitForURL(new RegExp(`/p/${UUID}/start$`));
    projectId = new RegExp(`/p/(${UUID})/`).exec(page.url())![1]!;
    await page.getByText('Waiting for your first event').waitFor();
  });

  it('sends an event with the copied curl snippet and shows it live', async () => {
    const { page } = owner;
    const snippet = await page.locator('[data-snippet="curl"] pre').innerText();
    expect(snippet).toContain(`${cairn.url}/api/v1/capture`);
    const token = await page.getByTestId('project-token').innerText();
    expect(snippet).toContain(token);
    const { stdout } = await run('sh', ['-c', snippet], { timeout: 30_000 });
    expect(JSON.parse(stdout).data).toMatchObject({ accepted: 1, rejected: 0 });
    await page.getByTestId('first-event').waitFor({ timeout: 45_000 });
    await page.locator('tr[data-event="signed_up"]').first().waitFor();

    // The rest of the data set, through the same endpoint and token.
    const res = await fetch(`${cairn.url}/api/v1/capture`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ batch: dataset() }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).data.rejected).toBe(0);
    // The live view shows the last day; the data set's own events are older, so only the snippet's is live.
    expect(await page.locator('tr[data-event]').count()).toBe(1);
    a11y.start = await axeViolations(page);
    await shot(page, 'onboarding');
  });

  it('creates a dashboard, then builds and saves a funnel to it', async () => {
    const { page } = owner;
    await page.goto(`${cairn.url}/p/${projectId}/dashboards`);
    await page.getByRole('link', { name: 'Product overview' }).waitFor();
    a11y.dashboards = await axeViolations(page);
    await page.getByLabel('New dashboard name').fill('Onboarding');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(new RegExp(`/dashboards/${UUID}$`));
    dashboardId = page.url().split('/').pop()!;
    await page.getByText('This dashboard is empty').waitFor();

    await page.goto(`${cairn.url}/p/${projectId}/insights/new?kind=funnel`);
    await page.getByRole('tab', { name: 'Funnel', selected: true }).waitFor();
    await page.getByLabel('Insight name').fill('Onboarding funnel');
    await page.getByLabel('Step 1 event').fill('$pageview');
    await page.getByLabel('Step 2 event').fill('signed_up');
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await page.getByLabel('Step 3 event').fill('activated');
    await expect.poll(() => page.locator('td[data-step-count="2"]').innerText().catch(() => ''), { timeout: 45_000 }).toBe('8');
    expect(await page.locator('td[data-step-count]').allInnerTexts()).toEqual(['20', '14', '8']);
    // Who dropped off between page view and signup: the six people who never signed up.
    await page.getByRole('button', { name: '6 — who?' }).first().click();
    await expect.poll(() => page.locator('.dropped li a').count(), { timeout: 45_000 }).toBe(6);
    a11y.funnel = await axeViolations(page);
    await shot(page, 'funnel');
    await page.getByRole('button', { name: 'Save insight' }).click();
    await page.waitForURL(new RegExp(`/insights/${UUID}$`));
    insightIds.funnel = page.url().split('/').pop()!;
    await page.getByLabel('Dashboard', { exact: true }).selectOption({ label: 'Onboarding' });
    await page.getByRole('button', { name: 'Add to dashboard' }).click();
    await page.getByText('Added to “Onboarding”.').waitFor();
  });

  it('builds a retention insight and saves it to the same dashboard', async () => {
    const { page } = owner;
    await page.goto(`${cairn.url}/p/${projectId}/insights/new?kind=retention`);
    await page.getByRole('tab', { name: 'Retention', selected: true }).waitFor();
    await page.getByLabel('Insight name').fill('Signup retention');
    await page.getByLabel('Start event').fill('signed_up');
    await page.getByLabel('Return event').fill('$pageview');
    await page.getByLabel('Period', { exact: true }).selectOption('day');
    await page.getByLabel('Periods').fill('7');
    // 14 people of the data set plus the snippet's user signed up for the first time in the range.
    const sizes = () => page.locator('td[data-cohort-size]').allInnerTexts().then((t) => t.reduce((n, x) => n + Number(x), 0));
    await expect.poll(sizes, { timeout: 45_000 }).toBe(15);
    expect(await page.locator('thead th').last().innerText()).toMatch(/day 7/i);
    a11y.retention = await axeViolations(page);
    await shot(page, 'retention');
    await page.getByRole('button', { name: 'Save insight' }).click();
    await page.waitForURL(new RegExp(`/insights/${UUID}$`));
    insightIds.retention = page.url().split('/').pop()!;
    await page.getByLabel('Dashboard', { exact: true }).selectOption({ label: 'Onboarding' });
    await page.getByRole('button', { name: 'Add to dashboard' }).click();
    await page.getByText('Added to “Onboarding”.').waitFor();
  });

  it('shows the same numbers on the dashboard after a reload, equal to the query API', async () => {
    const { page } = owner;
    const url = `${cairn.url}/p/${projectId}/dashboards/${dashboardId}`;
    const read = async () => {
      await page.locator('[data-tile="Onboarding funnel"] td[data-step-count="2"]').waitFor({ timeout: 45_000 });
      await page.locator('[data-tile="Signup retention"] td[data-cohort][data-period="0"]').first().waitFor({ timeout: 45_000 });
      return { funnel: await funnelCounts(page, 'Onboarding funnel'), retention: await retentionCells(page, 'Signup retention') };
    };
    await page.goto(url);
    const first = await read();
    await page.reload();
    const second = await read();
    expect(second).toEqual(first);
    expect(first.funnel).toEqual([20, 14, 8]);

    // The query API's own answer for the same saved definitions.
    const project = (await pageApi(page, 'GET', `/api/v1/projects/${projectId}`)).json.data;
    const answer = async (id: string) => {
      const saved = (await pageApi(page, 'GET', `/api/v1/projects/${projectId}/insights/${id}`)).json.data;
      const r = await pageApi(page, 'POST', `/api/v1/projects/${projectId}/query`, { query: resolveQuery(saved.query, project.timezone) });
      expect(r.status).toBe(200);
      return r.json.data;
    };
    const funnel = await answer(insightIds.funnel!);
    expect(first.funnel).toEqual(funnel.breakdowns[0].steps.map((s: { count: number }) => s.count));
    const retention = await answer(insightIds.retention!);
    // Cohorts nobody started in are not drawn; every other cell must match.
    const expected = retention.cohorts.flatMap((c: { size: number; values: number[] }, ci: number) => (c.size ? c.values.map((v, p) => `${ci}:${p}=${v}`) : []));
    expect(first.retention).toEqual(expected);
    expect(retention.cohorts.reduce((n: number, c: { size: number }) => n + c.size, 0)).toBe(15);

    a11y.dashboard = await axeViolations(page);
    await shot(page, 'dashboard');
  });

  it('applies a dashboard-wide date range to every tile, as the query API answers it', async () => {
    const { page } = owner;
    await page.goto(`${cairn.url}/p/${projectId}/dashboards/${dashboardId}`);
    await page.locator('[data-tile="Onboarding funnel"] td[data-step-count="2"]').waitFor({ timeout: 45_000 });
    const saved7d = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith(`/dashboards/${dashboardId}`));
    await page.getByLabel('Date range').selectOption('-7d');
    expect((await saved7d).status()).toBe(200);
    const project = (await pageApi(page, 'GET', `/api/v1/projects/${projectId}`)).json.data;
    const saved = (await pageApi(page, 'GET', `/api/v1/projects/${projectId}/insights/${insightIds.funnel}`)).json.data;
    const api = await pageApi(page, 'POST', `/api/v1/projects/${projectId}/query`, { query: resolveQuery(saved.query, project.timezone, { dateFrom: '-7d' }) });
    const expected = api.json.data.breakdowns[0].steps.map((s: { count: number }) => s.count);
    expect(expected).not.toEqual([20, 14, 8]);
    await expect.poll(() => funnelCounts(page, 'Onboarding funnel'), { timeout: 45_000 }).toEqual(expected);
    // Saved with the dashboard: a reload keeps it.
    await page.reload();
    await expect.poll(() => funnelCounts(page, 'Onboarding funnel'), { timeout: 45_000 }).toEqual(expected);
    const cleared = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith(`/dashboards/${dashboardId}`));
    await page.getByLabel('Date range').selectOption('');
    await expect.poll(() => funnelCounts(page, 'Onboarding funnel'), { timeout: 45_000 }).toEqual([20, 14, 8]);
    expect((await cleared).status()).toBe(200);
    // A dashboard-wide property filter: only people on Firefox (every third one of the data set).
    await page.getByText('Filters for every tile').click();
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.getByLabel('Property name').fill('$browser');
    await page.getByLabel('Value').fill('Firefox');
    const firefox = [{ type: 'event', key: '$browser', operator: 'eq', value: 'Firefox' }];
    const filtered = await pageApi(page, 'POST', `/api/v1/projects/${projectId}/query`, { query: resolveQuery(saved.query, project.timezone, { filters: firefox }) });
    const expectedFirefox = filtered.json.data.breakdowns[0].steps.map((s: { count: number }) => s.count);
    expect(expectedFirefox[0]).toBe(7);
    await expect.poll(() => funnelCounts(page, 'Onboarding funnel'), { timeout: 45_000 }).toEqual(expectedFirefox);
    const unfiltered = page.waitForResponse(
      (r) => r.request().method() === 'PATCH' && r.url().endsWith(`/dashboards/${dashboardId}`) && JSON.parse(r.request().postData() ?? '{}').filters?.filters?.length === 0,
    );
    await page.getByRole('button', { name: 'Remove filter 1' }).click();
    await expect.poll(() => funnelCounts(page, 'Onboarding funnel'), { timeout: 45_000 }).toEqual([20, 14, 8]);
    expect((await unfiltered).status()).toBe(200);
  });

  it('exports a tile as CSV and as PNG', async () => {
    const { page } = owner;
    await page.goto(`${cairn.url}/p/${projectId}/dashboards/${dashboardId}`);
    await page.locator('[data-tile="Signup retention"] td[data-cohort]').first().waitFor({ timeout: 45_000 });
    await page.locator('[data-tile="Onboarding funnel"] td[data-step-count="2"]').waitFor({ timeout: 45_000 });
    const download = async (button: string) => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
      const chunks: Buffer[] = [];
      for await (const c of (await d.createReadStream())!) chunks.push(c as Buffer);
      return { name: d.suggestedFilename(), body: Buffer.concat(chunks) };
    };
    const csv = await download('Export Onboarding funnel as CSV');
    expect(csv.name).toBe('Onboarding-funnel.csv');
    expect(csv.body.toString()).toMatch(/^breakdown,step,event,count,/);
    expect(csv.body.toString()).toContain(',1,$pageview,20,');
    expect(csv.body.toString()).toContain(',3,activated,8,');
    for (const tile of ['Onboarding funnel', 'Signup retention']) {
      const png = await download(`Export ${tile} as PNG`);
      expect(png.name).toMatch(/\.png$/);
      expect(png.body.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(png.body.length).toBeGreaterThan(2000);
    }
  });

  it('reorders and resizes tiles in edit mode', async () => {
    const { page } = owner;
    await page.goto(`${cairn.url}/p/${projectId}/dashboards/${dashboardId}`);
    await page.getByRole('button', { name: 'Edit layout' }).click();
    await page.getByRole('button', { name: 'Move Signup retention earlier' }).click();
    await page.getByLabel('Width of Onboarding funnel').selectOption('12');
    await expect.poll(() => page.locator('[data-tile]').evaluateAll((t) => t.map((e) => e.getAttribute('data-tile'))), { timeout: 45_000 }).toEqual(['Signup retention', 'Onboarding funnel']);
    await page.reload();
    await page.locator('[data-tile="Onboarding funnel"]').waitFor();
    expect(await page.locator('[data-tile]').evaluateAll((t) => t.map((e) => e.getAttribute('data-tile')))).toEqual(['Signup retention', 'Onboarding funnel']);
    const widths = await page.locator('[data-tile]').evaluateAll((t) => t.map((e) => Math.round(e.getBoundingClientRect().width)));
    expect(widths[1]).toBeGreaterThan(widths[0]! * 1.5);
  });

  it('renders the default "Product overview" dashboard, explore pages and settings', async () => {
    const { page } = owner;
    await page.goto(`${cairn.url}/p/${projectId}/dashboards`);
    await page.getByRole('link', { name: 'Product overview' }).click();
    await page.locator('[data-tile="Top events"] td[data-event-count="$pageview"]').waitFor({ timeout: 45_000 });
    await page.locator('[data-tile="Signup → activation"] td[data-step-count="1"]').waitFor({ timeout: 45_000 });
    expect(await funnelCounts(page, 'Signup → activation')).toEqual([15, 8]);
    await page.locator('[data-tile="Active users"] canvas').waitFor();
    await shot(page, 'overview');

    await page.goto(`${cairn.url}/p/${projectId}/events`);
    await page.locator('tr[data-event]').first().waitFor({ timeout: 45_000 });
    a11y.events = await axeViolations(page);
    await shot(page, 'events');

    // user-6: a page view, signup, activation and two returns in the events page's default last 30 days.
    await page.locator('tr[data-event] a', { hasText: /^user-6$/ }).first().click();
    await page.waitForURL(new RegExp(`/persons/${UUID}$`));
    await page.getByRole('heading', { name: 'Distinct ids' }).waitFor();
    await page.locator('tr[data-event]').first().waitFor({ timeout: 45_000 });
    expect(await page.locator('section').first().innerText()).toContain('user-6');
    expect(await page.locator('tr[data-event]').count()).toBe(5); // $pageview, signed_up, activated, and two returns

    a11y.person = await axeViolations(page);
    await page.goto(`${cairn.url}/p/${projectId}/persons`);
    await page.getByRole('link', { name: 'user-6' }).waitFor();
    a11y.persons = await axeViolations(page);

    await page.goto(`${cairn.url}/p/${projectId}/cohorts`);
    await page.getByRole('button', { name: 'New cohort' }).click();
    await page.getByLabel('Name').fill('Signed up recently');
    await page.getByLabel('Event').fill('signed_up');
    await page.getByRole('button', { name: 'Save cohort' }).click();
    await page.getByRole('cell', { name: 'Signed up recently', exact: true }).waitFor();
    a11y.cohorts = await axeViolations(page);

    await page.goto(`${cairn.url}/p/${projectId}/insights/new?kind=trends`);
    await page.getByLabel('Series A event').fill('$pageview');
    await page.getByLabel('Series A measure').selectOption('unique_users');
    await expect.poll(() => page.locator('.totals [data-total]').first().getAttribute('data-total').catch(() => ''), { timeout: 45_000 }).toBe('20');
    await shot(page, 'trends');

    await page.goto(`${cairn.url}/p/${projectId}/settings`);
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await page.getByText(OWNER.email).first().waitFor();
    a11y.settings = await axeViolations(page);
    await shot(page, 'settings');
  });

  it('draws every other kind of insight from the same data', async () => {
    const { page } = owner;
    await page.goto(`${cairn.url}/p/${projectId}/insights/new?kind=trends`);
    const kinds: Array<[string, string]> = [
      ['Paths', '.result .sankey svg rect'],
      ['Stickiness', '.result canvas[aria-label^="Stickiness"]'],
      ['Lifecycle', '.result canvas[aria-label^="Lifecycle"]'],
      ['Churn risk', '.result .churn, .result p:text("Nobody is at risk")'],
      ['Top events', '.result td[data-event-count="$pageview"]'],
    ];
    for (const [tab, drawn] of kinds) {
      await page.getByRole('tab', { name: tab }).click();
      await page.getByRole('tab', { name: tab, selected: true }).waitFor();
      await page.locator(drawn).first().waitFor({ timeout: 45_000 });
      expect(await page.getByText('This insight could not run').count(), tab).toBe(0);
      if (tab === 'Paths') await shot(page, 'paths');
      if (tab === 'Lifecycle') await shot(page, 'lifecycle');
    }
    await page.goto(`${cairn.url}/admin`);
    await page.getByRole('cell', { name: new RegExp(OWNER.org) }).first().waitFor();
    a11y.admin = await axeViolations(page);
  });

  it('works in the dark theme and on a phone', async () => {
    const { page } = owner;
    await page.goto(`${cairn.url}/p/${projectId}/dashboards/${dashboardId}`);
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.locator('[data-tile="Onboarding funnel"] td[data-step-count="2"]').waitFor({ timeout: 45_000 });
    a11y.dashboardDark = await axeViolations(page);
    await shot(page, 'dashboard-dark');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.locator('[data-tile="Onboarding funnel"] td[data-step-count="2"]').waitFor({ timeout: 45_000 });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(1);
    for (const path of ['start', 'events', 'insights/new?kind=funnel', 'settings']) {
      await page.goto(`${cairn.url}/p/${projectId}/${path}`);
      await page.locator('main h1, main input#insight-name').first().waitFor();
      await page.waitForLoadState('networkidle');
      expect(await overflow(), path).toBeLessThanOrEqual(1);
    }
    await page.goto(`${cairn.url}/p/${projectId}/dashboards/${dashboardId}`);
    await page.locator('[data-tile="Onboarding funnel"]').waitFor();
    await page.getByRole('button', { name: 'Open menu' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Insights' }).click();
    await page.waitForURL(/\/insights$/);
    await page.getByRole('link', { name: 'Onboarding funnel' }).waitFor();
    await shot(page, 'phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('lets an invited viewer see the dashboard but not change it', async () => {
    const { page } = owner;
    await page.goto(`${cairn.url}/p/${projectId}/settings`);
    await page.getByLabel('Email', { exact: true }).fill(VIEWER.email);
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    const link = await page.locator('[role="status"] code').innerText();
    const token = new URL(link, cairn.url).searchParams.get('token');
    expect(token).toBeTruthy();

    viewer = await launch(cairn.url);
    const v = viewer.page;
    await v.goto(`${cairn.url}/invite?token=${encodeURIComponent(token!)}`);
    await v.getByText(VIEWER.email).waitFor();
    await v.getByLabel('Your name').fill('Vera');
    await v.getByLabel('Password').fill(VIEWER.password);
    await v.getByRole('button', { name: 'Accept invitation' }).click();
    await v.waitForURL(new RegExp(`/p/${projectId}/dashboards$`));

    await v.goto(`${cairn.url}/p/${projectId}/dashboards/${dashboardId}`);
    await v.locator('[data-tile="Onboarding funnel"] td[data-step-count="2"]').waitFor({ timeout: 45_000 });
    expect(await funnelCounts(v, 'Onboarding funnel')).toEqual([20, 14, 8]);
    expect(await v.getByRole('button', { name: /Edit layout/ }).count()).toBe(0);
    expect(await v.getByRole('link', { name: 'Insight', exact: true }).count()).toBe(0);
    await v.goto(`${cairn.url}/p/${projectId}/insights/${insightIds.funnel}`);
    await v.getByText('Read only').waitFor();
    expect(await v.getByRole('button', { name: /^Save/ }).count()).toBe(0);
    expect(await v.getByRole('button', { name: /Delete/ }).count()).toBe(0);
    await v.goto(`${cairn.url}/p/${projectId}/dashboards`);
    await v.getByRole('link', { name: 'Onboarding' }).waitFor();
    expect(await v.getByLabel('New dashboard name').count()).toBe(0);

    // And the API refuses anyway.
    const patch = await pageApi(v, 'PATCH', `/api/v1/projects/${projectId}/dashboards/${dashboardId}`, { name: 'Mine now' });
    expect(patch.status).toBe(403);
    const del = await pageApi(v, 'DELETE', `/api/v1/projects/${projectId}/insights/${insightIds.funnel}`);
    expect(del.status).toBe(403);
  });

  it('signs out, refuses a wrong password by name, and signs back in', async () => {
    const { page } = owner;
    await page.goto(`${cairn.url}/p/${projectId}/dashboards`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${cairn.url}/p/${projectId}/insights`);
    await page.waitForURL(/\/login\?next=/);
    a11y.login = await axeViolations(page);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Wrong email or password').waitFor();
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(new RegExp(`/p/${projectId}/insights$`));
    await page.getByRole('link', { name: 'Onboarding funnel' }).waitFor();
  });

  it('stays inside the install, under its Content-Security-Policy, and axe-clean', async () => {
    const res = await fetch(cairn.url + '/');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).not.toMatch(/unsafe-eval|\*/);
    expect(owner.external).toEqual([]);
    expect(viewer?.external ?? []).toEqual([]);
    const cspErrors = [...owner.consoleErrors, ...(viewer?.consoleErrors ?? [])].filter((m) => /Content Security Policy/i.test(m));
    expect(cspErrors, [...owner.consoleErrors].join('\n')).toEqual([]);
    expect(a11y).toEqual(Object.fromEntries(Object.keys(a11y).map((k) => [k, []])));
  });
});
