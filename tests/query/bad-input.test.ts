import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INIT } from '../support/cairn.js';
import { generate, load } from './support/dataset.js';
import { startQueryHarness, type QueryHarness } from './support/harness.js';

/** Every bad definition gets a 400 naming the field; a project the caller cannot see is a 404. */
let h: QueryHarness;

beforeAll(async () => {
  h = await startQueryHarness('UTC');
  await load(h.cairn.deps.ch.client, h.database, generate({ projectId: h.projectId, users: 50, days: 10, start: '2026-10-01T00:00:00Z' }));
});
afterAll(() => h?.cairn.destroy());

const trends = (extra: Record<string, unknown> = {}) => ({
  kind: 'trends',
  series: [{ event: '$pageview' }],
  interval: 'day',
  dateFrom: '2026-10-01',
  dateTo: '2026-10-10',
  ...extra,
});

async function expect400(query: unknown, field: string) {
  const res = await h.query(query);
  expect(res.status, JSON.stringify(res.json)).toBe(400);
  expect(res.json.error.code).toBe('VALIDATION_ERROR');
  expect(res.json.error.fields.map((f: any) => f.path)).toContain(field);
  return res.json.error;
}

describe('400 with the field named', () => {
  it('a good query first (so the 400s below are about the input)', async () => {
    expect((await h.query(trends())).status).toBe(200);
  });
  it('unknown kind', () => expect400({ kind: 'pie', dateFrom: '2026-10-01' }, 'body.query.kind'));
  it('unknown event', async () => {
    const e = await expect400(trends({ series: [{ event: 'no_such_event' }] }), 'body.query.series.0.event');
    expect(e.message).toContain('no_such_event');
  });
  it('unknown event in a funnel step', () =>
    expect400({ kind: 'funnel', steps: [{ event: '$pageview' }, { event: 'nope' }], dateFrom: '2026-10-01' }, 'body.query.steps.1.event'));
  it('unknown property', () =>
    expect400(trends({ filters: [{ type: 'event', key: 'no_such_prop', operator: 'eq', value: 'x' }] }), 'body.query.filters.0.key'));
  it('unknown person property in a breakdown', () => expect400(trends({ breakdown: { type: 'person', key: 'shoe_size' } }), 'body.query.breakdown.key'));
  it('a range that ends before it starts', () => expect400(trends({ dateFrom: '2026-10-10', dateTo: '2026-10-01' }), 'body.query.dateTo'));
  it('a date that is not a date', () => expect400(trends({ dateFrom: 'yesterday-ish' }), 'body.query.dateFrom'));
  it('50 breakdown values', () => expect400(trends({ breakdown: { type: 'event', key: 'path', limit: 50 } }), 'body.query.breakdown.limit'));
  it('too many hourly buckets', () => expect400(trends({ interval: 'hour', dateFrom: '2025-01-01', dateTo: '2026-10-10' }), 'body.query.interval'));
  it('a regex that does not compile (RE2)', async () => {
    await expect400(trends({ filters: [{ type: 'event', key: 'path', operator: 'regex', value: '((' }] }), 'body.query.filters.0.value');
    // Valid in JavaScript, not in RE2: look-ahead.
    await expect400(trends({ filters: [{ type: 'event', key: 'path', operator: 'regex', value: '^/(?=docs)' }] }), 'body.query.filters.0.value');
  });
  it('property math without a property', () => expect400(trends({ series: [{ event: '$pageview', math: 'sum' }] }), 'body.query.series.0.property'));
  it('a formula naming a series that does not exist', () => expect400(trends({ formula: 'A/C' }), 'body.query.formula'));
  it('a formula with code in it', () => expect400(trends({ formula: 'A; DROP TABLE events' }), 'body.query.formula'));
  it('an operator without its value', () =>
    expect400(trends({ filters: [{ type: 'event', key: 'path', operator: 'eq' }] }), 'body.query.filters.0.value'));
  it('an unknown cohort', () =>
    expect400(trends({ filters: [{ type: 'cohort', cohortId: randomUUID() }] }), 'body.query.filters.0.cohortId'));
  it('funnel exclusions in any order are refused', () =>
    expect400(
      { kind: 'funnel', order: 'any', steps: [{ event: '$pageview' }, { event: 'signup' }], exclusions: [{ event: 'purchase', fromStep: 0, toStep: 1 }], dateFrom: '2026-10-01' },
      'body.query.exclusions',
    ));
  it('an exclusion outside the steps', () =>
    expect400(
      { kind: 'funnel', steps: [{ event: '$pageview' }, { event: 'signup' }], exclusions: [{ event: 'purchase', fromStep: 1, toStep: 5 }], dateFrom: '2026-10-01' },
      'body.query.exclusions.0.toStep',
    ));
});

describe('values that look like SQL are data', () => {
  it('treats quotes and SQL in property names and values as text', async () => {
    const res = await h.query(
      trends({ filters: [{ type: 'event', key: 'path', operator: 'neq', value: "x') OR 1=1 --" }], breakdown: { type: 'event', key: 'path' } }),
    );
    expect(res.status).toBe(200);
    const bad = await h.query(trends({ filters: [{ type: 'event', key: "path') OR 1=1 --", operator: 'is_set' }] }));
    expect(bad.status).toBe(400);
  });
});

describe('404 for projects the caller cannot see', () => {
  it('an unknown project id', async () => {
    const res = await h.query(trends(), { projectId: randomUUID() });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('NOT_FOUND');
  });
  it("another organization's project, with events in it", async () => {
    const owner = h.cairn.deps.pg.owner;
    const [org] = await owner('organizations').insert({ name: 'Other', slug: `other-${Date.now()}` }).returning('id');
    const [project] = await owner('projects')
      .insert({ organization_id: org.id, name: 'Secret', token: `cairn_pt_${randomUUID().replaceAll('-', '')}` })
      .returning('id');
    await load(h.cairn.deps.ch.client, h.database, generate({ projectId: project.id, users: 5, days: 3, start: '2026-10-01T00:00:00Z' }));
    const res = await h.query(trends(), { projectId: project.id });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('NOT_FOUND');
    const cohorts = await api(h.cairn.url, 'GET', `/api/v1/projects/${project.id}/cohorts`, { token: INIT.CAIRN_INIT_API_KEY });
    expect(cohorts.status).toBe(404);
  });
  it('without credentials: 401', async () => {
    const res = await api(h.cairn.url, 'POST', `/api/v1/projects/${h.projectId}/query`, { body: { query: trends() } });
    expect(res.status).toBe(401);
  });
});

describe('cohorts CRUD', () => {
  it('creates, reads, changes, lists, uses and deletes a cohort', async () => {
    const base = `/api/v1/projects/${h.projectId}/cohorts`;
    const token = INIT.CAIRN_INIT_API_KEY;
    const created = await api(h.cairn.url, 'POST', base, {
      token,
      body: { name: 'Buyers', definition: { type: 'behavioral', event: 'purchase', days: 3650 } },
    });
    expect(created.status).toBe(201);
    const id = created.json.data.id;
    expect(created.json.data.definition).toEqual({ type: 'behavioral', event: 'purchase', filters: [], minCount: 1, days: 3650 });
    const patched = await api(h.cairn.url, 'PATCH', `${base}/${id}`, { token, body: { name: 'Repeat buyers', definition: { type: 'behavioral', event: 'purchase', minCount: 2, days: 3650 } } });
    expect(patched.status).toBe(200);
    expect(patched.json.data.name).toBe('Repeat buyers');
    const list = await api(h.cairn.url, 'GET', base, { token });
    expect(list.json.data.map((c: any) => c.id)).toContain(id);
    const inCohort = await h.ok(trends({ series: [{ event: '$pageview', math: 'unique_users' }], filters: [{ type: 'cohort', cohortId: id }] }));
    const notIn = await h.ok(trends({ series: [{ event: '$pageview', math: 'unique_users' }], filters: [{ type: 'cohort', cohortId: id, operator: 'not_in' }] }));
    const all = await h.ok(trends({ series: [{ event: '$pageview', math: 'unique_users' }] }));
    expect(inCohort.series[0].total + notIn.series[0].total).toBe(all.series[0].total);
    expect(inCohort.series[0].total).toBeGreaterThan(0);
    const bad = await api(h.cairn.url, 'POST', base, { token, body: { name: 'x', definition: { type: 'behavioral', event: 'purchase' } } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields[0].path).toBe('body.definition.days');
    expect((await api(h.cairn.url, 'DELETE', `${base}/${id}`, { token })).status).toBe(204);
    expect((await api(h.cairn.url, 'GET', `${base}/${id}`, { token })).status).toBe(404);
  });
});

describe('the OpenAPI document', () => {
  it('describes the query endpoint with every kind', async () => {
    const doc = (await api(h.cairn.url, 'GET', '/api/v1/openapi.json')).json;
    const op = doc.paths['/api/v1/projects/{projectId}/query'].post;
    const text = JSON.stringify(op);
    for (const kind of ['trends', 'funnel', 'retention', 'paths', 'stickiness', 'lifecycle', 'events', 'persons', 'churn_risk']) expect(text).toContain(`"${kind}"`);
  });
});
