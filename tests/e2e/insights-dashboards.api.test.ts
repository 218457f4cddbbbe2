import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INIT, startTestCairn, type TestCairn } from '../support/cairn.js';

const KEY = INIT.CAIRN_INIT_API_KEY;
const VIEWER_KEY = 'cairn_pk_test_viewer_0123456789abcdefghijklmnop';

describe('saved insights and dashboards API', () => {
  let cairn: TestCairn;
  let projectId: string;
  const call = (method: string, path: string, body?: unknown, token = KEY) =>
    api(cairn.url, method, `/api/v1/projects/${projectId}${path}`, { token, body });

  beforeAll(async () => {
    cairn = await startTestCairn({ ...INIT });
    projectId = (await api(cairn.url, 'GET', '/api/v1/projects', { token: KEY })).json.data[0].id;
    // A viewer of the same organization, made directly in the database (the invitation flow belongs to another suite).
    const owner = cairn.deps.pg.owner;
    const org = await owner('projects').where({ id: projectId }).first('organization_id');
    const [user] = await owner('users').insert({ id: randomUUID(), email: 'viewer@acme.test', name: 'Vera Viewer' }).returning('id');
    await owner('memberships').insert({ organization_id: org.organization_id, user_id: user.id, role: 'viewer' });
    await owner('api_keys').insert({
      user_id: user.id,
      name: 'viewer',
      prefix: VIEWER_KEY.slice(0, 12),
      key_hash: createHash('sha256').update(VIEWER_KEY).digest('hex'),
      scopes: ['read', 'write'],
    });
  });
  afterAll(() => cairn?.destroy());

  it('gives a new project its "Product overview" dashboard with four tiles', async () => {
    const list = await call('GET', '/dashboards');
    expect(list.status).toBe(200);
    expect(list.json.data).toHaveLength(1);
    expect(list.json.data[0]).toMatchObject({ name: 'Product overview', isDefault: true, tileCount: 4 });
    const one = await call('GET', `/dashboards/${list.json.data[0].id}`);
    expect(one.json.data.tiles.map((t: any) => t.insight.name)).toEqual(['Active users', 'Top events', 'Signup → activation', 'Weekly retention']);
    expect(one.json.data.tiles.map((t: any) => t.insight.query.kind)).toEqual(['trends', 'top_events', 'funnel', 'retention']);
  });

  it('gives a project made through the projects API its default dashboard too, once', async () => {
    const org = (await api(cairn.url, 'GET', `/api/v1/projects/${projectId}`, { token: KEY })).json.data.organizationId;
    const made = await api(cairn.url, 'POST', `/api/v1/orgs/${org}/projects`, { token: KEY, body: { name: 'Mobile app' } });
    expect(made.status).toBe(201);
    const other = made.json.data.id;
    const list = await api(cairn.url, 'GET', `/api/v1/projects/${other}/dashboards`, { token: KEY });
    expect(list.json.data.map((d: any) => d.name)).toEqual(['Product overview']);
    await api(cairn.url, 'DELETE', `/api/v1/projects/${other}/dashboards/${list.json.data[0].id}`, { token: KEY });
    const again = await api(cairn.url, 'GET', `/api/v1/projects/${other}/dashboards`, { token: KEY });
    expect(again.json.data).toEqual([]);
  });

  it('keeps a dedicated organization\'s insights and dashboards in its own database', async () => {
    const org = await api(cairn.url, 'POST', '/api/v1/orgs', { token: KEY, body: { name: 'Globex', isolation: 'dedicated' } });
    expect(org.status).toBe(201);
    const made = await api(cairn.url, 'POST', `/api/v1/orgs/${org.json.data.id}/projects`, { token: KEY, body: { name: 'Globex web' } });
    const pid = made.json.data.id;
    const list = await api(cairn.url, 'GET', `/api/v1/projects/${pid}/dashboards`, { token: KEY });
    expect(list.json.data.map((d: any) => d.tileCount)).toEqual([4]);
    const saved = await api(cairn.url, 'POST', `/api/v1/projects/${pid}/insights`, { token: KEY, body: { name: 'Globex only', query: { kind: 'trends', series: [{ event: 'signed_up' }], dateFrom: '-7d' } } });
    expect(saved.status).toBe(201);
    // Not in the main database…
    expect(await cairn.deps.pg.owner('insights').where({ project_id: pid }).count({ n: '*' })).toEqual([{ n: 0 }]);
    // …but readable through the API, from the organization's own database.
    const got = await api(cairn.url, 'GET', `/api/v1/projects/${pid}/insights?search=Globex`, { token: KEY });
    expect(got.json.data.map((i: any) => i.name)).toEqual(['Globex only']);
  });

  it('creates, renames, duplicates and deletes an insight', async () => {
    const created = await call('POST', '/insights', {
      name: 'Signups',
      query: { kind: 'trends', series: [{ event: 'signed_up', math: 'total' }], interval: 'day', dateFrom: '-7d' },
    });
    expect(created.status).toBe(201);
    expect(created.json.data).toMatchObject({ name: 'Signups', display: 'auto', description: '' });
    const id = created.json.data.id;
    const renamed = await call('PATCH', `/insights/${id}`, { name: 'Daily signups', display: 'bar' });
    expect(renamed.json.data).toMatchObject({ name: 'Daily signups', display: 'bar' });
    expect(renamed.json.data.query.series[0].event).toBe('signed_up');
    const copy = await call('POST', `/insights/${id}/duplicate`);
    expect(copy.status).toBe(201);
    expect(copy.json.data.name).toBe('Daily signups (copy)');
    const search = await call('GET', '/insights?search=daily');
    expect(search.json.data.map((i: any) => i.name).sort()).toEqual(['Daily signups', 'Daily signups (copy)']);
    expect((await call('DELETE', `/insights/${copy.json.data.id}`)).status).toBe(204);
    expect((await call('GET', `/insights/${copy.json.data.id}`)).status).toBe(404);
  });

  it('names the field when an insight is invalid', async () => {
    const noName = await call('POST', '/insights', { name: ' ', query: { kind: 'trends' } });
    expect(noName.status).toBe(400);
    expect(noName.json.error.fields[0].path).toBe('body.name');
    const badKind = await call('POST', '/insights', { name: 'x', query: { kind: 'astrology' } });
    expect(badKind.status).toBe(400);
    expect(badKind.json.error.fields[0].path).toBe('body.query.kind');
    // The definition is checked against the query engine's schema, relative dates allowed.
    const oneStep = await call('POST', '/insights', { name: 'x', query: { kind: 'funnel', steps: [{ event: 'a' }], dateFrom: '-30d' } });
    expect(oneStep.status).toBe(400);
    expect(oneStep.json.error.fields.map((f: any) => f.path)).toContain('body.query.steps');
    const badDate = await call('POST', '/insights', { name: 'x', query: { kind: 'trends', series: [{ event: 'a' }], dateFrom: 'last tuesday' } });
    expect(badDate.json.error.fields.map((f: any) => f.path)).toContain('body.query.dateFrom');
    const badLimit = await call('POST', '/insights', { name: 'x', query: { kind: 'top_events', dateFrom: '-30d', limit: 1000 } });
    expect(badLimit.json.error.fields.map((f: any) => f.path)).toContain('body.query.limit');
    const patch = await call('PATCH', `/insights/${(await call('GET', '/insights')).json.data[0].id}`, { query: { kind: 'retention', startEvent: {} } });
    expect(patch.status).toBe(400);
    expect(patch.json.error.fields[0].path).toMatch(/^body\.query\./);
  });

  it('builds a dashboard: add, resize, reorder and remove tiles', async () => {
    const a = (await call('POST', '/insights', { name: 'A', query: { kind: 'funnel', steps: [{ event: 'a' }, { event: 'b' }], dateFrom: '-14d' } })).json.data;
    const b = (await call('POST', '/insights', { name: 'B', query: { kind: 'retention', startEvent: { event: 'a' }, returnEvent: { event: 'b' }, dateFrom: '2026-01-01' } })).json.data;
    const d = await call('POST', '/dashboards', { name: 'Growth', filters: { dateFrom: '-14d' } });
    expect(d.status).toBe(201);
    const dashId = d.json.data.id;
    await call('POST', `/dashboards/${dashId}/tiles`, { insightId: a.id });
    const two = await call('POST', `/dashboards/${dashId}/tiles`, { insightId: b.id, width: 12 });
    expect(two.json.data.tiles.map((t: any) => [t.insight.name, t.width])).toEqual([['A', 6], ['B', 12]]);
    const [ta, tb] = two.json.data.tiles;
    const reordered = await call('PUT', `/dashboards/${dashId}/layout`, {
      tiles: [{ id: tb.id, width: 4, height: 3 }, { id: ta.id, width: 8, height: 2 }],
    });
    expect(reordered.json.data.tiles.map((t: any) => [t.insight.name, t.width, t.height])).toEqual([['B', 4, 3], ['A', 8, 2]]);
    const partial = await call('PUT', `/dashboards/${dashId}/layout`, { tiles: [{ id: ta.id, width: 8, height: 2 }] });
    expect(partial.status).toBe(400);
    expect(partial.json.error.fields[0].path).toBe('body.tiles');
    const removed = await call('DELETE', `/dashboards/${dashId}/tiles/${tb.id}`);
    expect(removed.json.data.tiles.map((t: any) => t.insight.name)).toEqual(['A']);
    const filtered = await call('PATCH', `/dashboards/${dashId}`, { filters: { dateFrom: '-30d' }, refreshSeconds: 300 });
    expect(filtered.json.data).toMatchObject({ filters: { dateFrom: '-30d' }, refreshSeconds: 300 });
    const tooFast = await call('PATCH', `/dashboards/${dashId}`, { refreshSeconds: 5 });
    expect(tooFast.json.error.fields[0].path).toBe('body.refreshSeconds');
    const unknownInsight = await call('POST', `/dashboards/${dashId}/tiles`, { insightId: randomUUID() });
    expect(unknownInsight.status).toBe(400);
    expect(unknownInsight.json.error.fields[0].path).toBe('body.insightId');
    // Deleting an insight removes its tiles everywhere.
    await call('DELETE', `/insights/${a.id}`);
    expect((await call('GET', `/dashboards/${dashId}`)).json.data.tiles).toEqual([]);
  });

  it('lets a viewer read but not change anything', async () => {
    const list = await call('GET', '/dashboards', undefined, VIEWER_KEY);
    expect(list.status).toBe(200);
    const dashId = list.json.data[0].id;
    expect((await call('GET', `/dashboards/${dashId}`, undefined, VIEWER_KEY)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/insights', { name: 'x', query: { kind: 'trends' } }],
      ['PATCH', `/dashboards/${dashId}`, { name: 'mine now' }],
      ['DELETE', `/dashboards/${dashId}`, undefined],
      ['POST', '/dashboards', { name: 'x' }],
    ] as const) {
      const res = await call(method, path, body, VIEWER_KEY);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json.error.code).toBe('FORBIDDEN');
    }
  });

  it('lists event names by frequency, deduplicated, only of this project', async () => {
    const now = Date.now();
    const row = (event: string, i: number, project = projectId, uuid = randomUUID()) => ({
      project_id: project, uuid, event, distinct_id: `u${i}`, person_id: randomUUID(),
      timestamp: new Date(now - i * 60_000).toISOString().replace('T', ' ').replace('Z', ''),
      received_at: new Date(now).toISOString().replace('T', ' ').replace('Z', ''),
      properties: '{}', url: '', path: '', referrer: '', browser: '', os: '', device_type: '', country: '', session_id: '', lib: '',
    });
    const dup = randomUUID();
    const rows = [row('signed_up', 1), row('signed_up', 2), row('signed_up', 3), row('$pageview', 4, projectId, dup), row('$pageview', 4, projectId, dup), row('secret_other', 5, randomUUID())];
    const { client, database } = cairn.deps.ch;
    await client.insert({ table: `${database}.events`, values: rows, format: 'JSONEachRow' });
    const res = await call('GET', '/event-names?days=7');
    expect(res.status).toBe(200);
    expect(res.json.data.map((e: any) => [e.event, e.count])).toEqual([['signed_up', 3], ['$pageview', 1]]);
    expect(res.json.meta.pagination.total).toBe(2);
    const search = await call('GET', '/event-names?search=SIGN');
    expect(search.json.data.map((e: any) => e.event)).toEqual(['signed_up']);
    const bad = await call('GET', '/event-names?days=0');
    expect(bad.json.error.fields[0].path).toBe('query.days');
  });

  it('answers 404 for another project id and for ids of nothing', async () => {
    const other = await api(cairn.url, 'GET', `/api/v1/projects/${randomUUID()}/dashboards`, { token: KEY });
    expect(other.status).toBe(404);
    expect((await call('GET', `/dashboards/${randomUUID()}`)).status).toBe(404);
    expect((await call('GET', '/insights/not-a-uuid')).status).toBe(400);
  });
});
