import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { querySchema } from '../../server/src/query/definitions.js';
import { api, INIT } from '../support/cairn.js';
import { generate, load, type DataSet } from './support/dataset.js';
import { expectClose, startQueryHarness, type QueryHarness } from './support/harness.js';
import { Oracle } from './support/oracle.js';

/**
 * Every kind, through the HTTP endpoint, against an independent in-memory computation over a
 * seeded random data set: 2,000 people over six weeks around a DST change, merged distinct
 * ids, duplicates re-delivered, late events, and a second project that must not leak in.
 */
const TZ = 'America/New_York';
let h: QueryHarness;
let ds: DataSet;
let oracle: Oracle;
let proCohort: string;
let buyersCohort: string;

const parse = (q: unknown) => querySchema.parse(q) as any;

beforeAll(async () => {
  h = await startQueryHarness(TZ);
  ds = generate({ projectId: h.projectId, seed: 7, users: 2000, days: 42, start: '2026-09-21T00:00:00Z' });
  await load(h.cairn.deps.ch.client, h.database, ds);
  const mk = async (body: unknown) => {
    const res = await api(h.cairn.url, 'POST', `/api/v1/projects/${h.projectId}/cohorts`, { token: INIT.CAIRN_INIT_API_KEY, body });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    return res.json.data.id as string;
  };
  const proDef = { type: 'person', filters: [{ type: 'person', key: 'plan', operator: 'eq', value: 'pro' }] };
  const buyersDef = { type: 'behavioral', event: 'purchase', filters: [], minCount: 2, days: 3650 };
  proCohort = await mk({ name: 'Pro plan', definition: proDef });
  buyersCohort = await mk({ name: 'Repeat buyers', definition: buyersDef });
  oracle = new Oracle(ds, TZ, new Map<string, any>([[proCohort, proDef], [buyersCohort, buyersDef]]), `${new Date().toISOString().slice(0, 10)} 00:00:00.000000`);
});
afterAll(() => h?.cairn.destroy());

describe('the data set', () => {
  it('is the size the brief asks for', () => {
    expect(ds.persons.filter((p) => !p.isDeleted).length).toBe(2000);
    expect(ds.events.length).toBeGreaterThan(50_000);
    expect(ds.inserted.length).toBeGreaterThan(ds.events.length);
  });
});

function compareTrends(data: any, q: any) {
  const expected = oracle.trends(parse(q));
  const got = data.series.map((s: any) => ({ period: s.period, seriesIndex: s.seriesIndex, breakdownValue: s.breakdownValue, values: s.values, total: s.total }));
  expectClose(
    got.map(({ seriesIndex: _, ...r }: any) => r),
    expected.map(({ seriesIndex: _, ...r }: any) => r),
  );
}

describe('trends', () => {
  const cases: Record<string, unknown> = {
    'total per day, broken down by browser (top 2 + other), with the previous period': {
      kind: 'trends',
      series: [{ event: '$pageview' }],
      interval: 'day',
      dateFrom: '2026-10-05',
      dateTo: '2026-10-25',
      breakdown: { type: 'event', key: 'browser', limit: 2 },
      compare: true,
    },
    'unique users, dau and wau per week': {
      kind: 'trends',
      series: [
        { event: 'view_item', math: 'unique_users' },
        { event: 'view_item', math: 'dau' },
        { event: '$pageview', math: 'wau' },
        { event: '$pageview', math: 'mau' },
      ],
      interval: 'week',
      dateFrom: '2026-09-28',
      dateTo: '2026-10-30',
    },
    'property math per month with a person filter': {
      kind: 'trends',
      series: [
        { event: 'purchase', math: 'sum', property: 'amount' },
        { event: 'purchase', math: 'avg', property: 'amount' },
        { event: 'purchase', math: 'min', property: 'amount' },
        { event: 'purchase', math: 'max', property: 'amount' },
        { event: 'view_item', math: 'p50', property: 'price' },
        { event: 'view_item', math: 'p90', property: 'price' },
        { event: 'view_item', math: 'p99', property: 'price' },
      ],
      interval: 'month',
      dateFrom: '2026-09-01',
      dateTo: '2026-11-30',
      filters: [{ type: 'person', key: 'plan', operator: 'in', value: ['pro', 'enterprise'] }],
    },
    'a formula across series, per day': {
      kind: 'trends',
      series: [{ event: 'purchase' }, { event: 'view_item', math: 'unique_users' }],
      interval: 'day',
      dateFrom: '2026-10-01',
      dateTo: '2026-10-14',
      formula: 'A/B*100',
    },
    'hourly across the DST change with every operator': {
      kind: 'trends',
      series: [
        { event: '$pageview', filters: [{ type: 'event', key: 'path', operator: 'contains', value: 'APP' }] },
        { event: '$pageview', filters: [{ type: 'event', key: 'path', operator: 'regex', value: '^/(docs|blog)$' }] },
        { event: 'view_item', filters: [{ type: 'event', key: 'price', operator: 'gt', value: 50 }] },
        { event: 'view_item', filters: [{ type: 'event', key: 'price', operator: 'lt', value: 50 }] },
        { event: '$pageview', filters: [{ type: 'event', key: 'browser', operator: 'is_not_set' }] },
        { event: '$pageview', filters: [{ type: 'event', key: 'flag', operator: 'eq', value: true }] },
        { event: '$pageview', filters: [{ type: 'event', key: 'browser', operator: 'neq', value: 'Chrome' }] },
        { event: '$pageview', filters: [{ type: 'person', key: 'email', operator: 'not_contains', value: 'acme' }] },
        { event: '$pageview', filters: [{ type: 'person', key: 'age', operator: 'is_set' }] },
      ],
      interval: 'hour',
      dateFrom: '2026-10-31',
      dateTo: '2026-11-01',
    },
    'cohort filters and a person breakdown': {
      kind: 'trends',
      series: [{ event: '$pageview', math: 'unique_users' }],
      interval: 'week',
      dateFrom: '2026-09-21',
      dateTo: '2026-11-01',
      filters: [{ type: 'cohort', cohortId: 'BUYERS', operator: 'in' }],
      breakdown: { type: 'person', key: 'plan', limit: 5 },
    },
  };
  for (const [name, q] of Object.entries(cases)) {
    it(name, async () => {
      const def = JSON.parse(JSON.stringify(q).replaceAll('BUYERS', buyersCohort));
      compareTrends(await h.ok(def), def);
    });
  }

  it('breaks down by saved cohorts (one line per cohort)', async () => {
    const q = { kind: 'trends', series: [{ event: 'view_item', math: 'unique_users' }, { event: 'purchase' }], interval: 'week', dateFrom: '2026-09-28', dateTo: '2026-10-25' };
    const data = await h.ok({ ...q, breakdown: { type: 'cohort', cohortIds: [proCohort, buyersCohort] } });
    const expected = [proCohort, buyersCohort].flatMap((id) =>
      oracle.trends(parse({ ...q, filters: [{ type: 'cohort', cohortId: id }] })).map((l: any) => ({ ...l, breakdownValue: id })),
    );
    expectClose(
      data.series.map((s: any) => ({ breakdownValue: s.breakdownValue, values: s.values, total: s.total })),
      expected.map((l: any) => ({ breakdownValue: l.breakdownValue, values: l.values, total: l.total })),
    );
  });

  it('counts unique users over the range as distinct people, not the sum of buckets', async () => {
    const q = { kind: 'trends', series: [{ event: '$pageview', math: 'unique_users' }], interval: 'day', dateFrom: '2026-10-01', dateTo: '2026-10-20' };
    const data = await h.ok(q);
    const s = data.series[0];
    expect(s.total).toBeLessThan(s.values.reduce((a: number, b: number) => a + b, 0));
    expect(s.total).toBe(oracle.trends(parse(q))[0].total);
  });
});

describe('funnels', () => {
  const base = { kind: 'funnel', dateFrom: '2026-09-21', dateTo: '2026-11-01' };
  const steps = [{ event: '$pageview' }, { event: 'view_item' }, { event: 'add_to_cart' }, { event: 'purchase' }];
  const cases: Record<string, unknown> = {
    'ordered, one hour window': { ...base, steps, window: { value: 1, unit: 'hour' } },
    'ordered, 7 days, paging dropped-off people': { ...base, steps, window: { value: 7, unit: 'day' }, droppedOff: { limit: 5, offset: 3 } },
    strict: { ...base, steps: steps.slice(1), order: 'strict', window: { value: 1, unit: 'day' } },
    'the same event as two steps (an event is never two steps at once)': {
      ...base,
      steps: [{ event: '$pageview' }, { event: '$pageview' }, { event: 'purchase' }],
      window: { value: 30, unit: 'minute' },
    },
    'any order': { ...base, steps: [{ event: 'purchase' }, { event: 'feature_x' }, { event: 'signup' }], order: 'any', window: { value: 14, unit: 'day' } },
    'with an exclusion and step filters': {
      ...base,
      steps: [{ event: 'view_item', filters: [{ type: 'event', key: 'price', operator: 'gt', value: 20 }] }, { event: 'add_to_cart' }, { event: 'purchase' }],
      exclusions: [{ event: 'feature_x', fromStep: 0, toStep: 2 }],
      window: { value: 2, unit: 'hour' },
    },
    'broken down by the first step browser': { ...base, steps: steps.slice(0, 3), window: { value: 1, unit: 'day' }, breakdown: { type: 'event', key: 'browser', limit: 3 } },
    'broken down by saved cohorts': {
      ...base,
      steps: steps.slice(1),
      window: { value: 1, unit: 'day' },
      breakdown: { type: 'cohort', cohortIds: ['PRO', 'BUYERS'] },
    },
    'broken down by person plan, within a cohort': {
      ...base,
      steps: steps.slice(1),
      window: { value: 1, unit: 'day' },
      breakdown: { type: 'person', key: 'plan', limit: 10 },
      filters: [{ type: 'cohort', cohortId: 'PRO', operator: 'not_in' }],
    },
  };
  for (const [name, q] of Object.entries(cases)) {
    it(name, async () => {
      const def = JSON.parse(JSON.stringify(q).replaceAll('PRO', proCohort).replaceAll('BUYERS', buyersCohort));
      const data = await h.ok(def);
      const expected =
        def.breakdown?.type === 'cohort'
          ? def.breakdown.cohortIds.flatMap((id: string) =>
              oracle.funnel(parse({ ...def, breakdown: undefined, filters: [{ type: 'cohort', cohortId: id }] })).map((b: any) => ({ ...b, breakdownValue: id })),
            )
          : oracle.funnel(parse(def));
      expectClose(data.breakdowns, expected);
      expect(data.breakdowns[0].steps[0].count).toBeGreaterThan(0);
    });
  }
});

describe('retention', () => {
  const cases: Record<string, unknown> = {
    'daily, recurring, 30 periods (day 1/7/14/30 in one query)': {
      kind: 'retention',
      startEvent: { event: '$pageview' },
      returnEvent: { event: '$pageview' },
      period: 'day',
      periods: 30,
      dateFrom: '2026-09-21',
      dateTo: '2026-10-10',
    },
    'weekly, first time': {
      kind: 'retention',
      startEvent: { event: 'signup' },
      returnEvent: { event: 'purchase' },
      period: 'week',
      periods: 5,
      retentionType: 'first_time',
      dateFrom: '2026-09-24',
      dateTo: '2026-10-20',
    },
    'monthly with filters': {
      kind: 'retention',
      startEvent: { event: 'view_item', filters: [{ type: 'person', key: 'country', operator: 'eq', value: 'DE' }] },
      returnEvent: { event: 'add_to_cart' },
      period: 'month',
      periods: 2,
      dateFrom: '2026-09-01',
      dateTo: '2026-10-31',
    },
  };
  for (const [name, q] of Object.entries(cases)) {
    it(name, async () => {
      const data = await h.ok(q);
      expectClose(data.cohorts, oracle.retention(parse(q)));
      expect(data.cohorts.some((c: any) => c.size > 0)).toBe(true);
    });
  }
});

describe('paths, stickiness, lifecycle', () => {
  it('paths from an event', async () => {
    const q = { kind: 'paths', startEvent: 'view_item', depth: 4, edgeLimit: 30, dateFrom: '2026-09-21', dateTo: '2026-11-01' };
    expectClose((await h.ok(q)).edges, oracle.paths(parse(q)));
  });
  it('paths to an event, among chosen events', async () => {
    const q = { kind: 'paths', endEvent: 'purchase', depth: 3, edgeLimit: 20, includeEvents: ['$pageview', 'view_item', 'add_to_cart', 'purchase'], dateFrom: '2026-10-01', dateTo: '2026-10-20' };
    expectClose((await h.ok(q)).edges, oracle.paths(parse(q)));
  });
  it('paths from the first event', async () => {
    const q = { kind: 'paths', depth: 3, edgeLimit: 10, dateFrom: '2026-10-01', dateTo: '2026-10-07' };
    expectClose((await h.ok(q)).edges, oracle.paths(parse(q)));
  });
  it('stickiness per day and per week', async () => {
    for (const interval of ['day', 'week']) {
      const q = { kind: 'stickiness', event: 'view_item', interval, dateFrom: '2026-10-01', dateTo: '2026-10-28' };
      const data = await h.ok(q);
      expectClose(data.values, oracle.stickiness(parse(q)));
    }
  });
  it('lifecycle per day and per week', async () => {
    for (const interval of ['day', 'week']) {
      const q = { kind: 'lifecycle', event: '$pageview', interval, dateFrom: '2026-10-01', dateTo: '2026-10-28' };
      const data = await h.ok(q);
      const o = oracle.lifecycle(parse(q));
      expectClose({ new: data.new, returning: data.returning, resurrecting: data.resurrecting, dormant: data.dormant }, o);
    }
  });
});

describe('listings', () => {
  it('events, filtered, newest first, paged', async () => {
    const q = { kind: 'events', events: ['purchase', 'signup'], filters: [{ type: 'event', key: 'path', operator: 'in', value: ['/', '/docs'] }], dateFrom: '2026-10-01', dateTo: '2026-10-15', limit: 25, offset: 10 };
    const data = await h.ok(q);
    const o = oracle.events(parse(q));
    expect(data.total).toBe(o.total);
    expect(data.rows.map((r: any) => r.uuid)).toEqual(o.uuids);
    expect(data.rows[0].properties).toHaveProperty('path');
  });
  it('events oldest first', async () => {
    const q = { kind: 'events', dateFrom: '2026-10-03', dateTo: '2026-10-03', orderBy: 'timestamp', limit: 50 };
    const data = await h.ok(q);
    const o = oracle.events(parse(q));
    expect(data.total).toBe(o.total);
    expect(data.rows.map((r: any) => r.uuid)).toEqual(o.uuids);
  });
  it('persons by event count, with merged distinct ids listed together', async () => {
    const q = { kind: 'persons', dateFrom: '2026-09-21', dateTo: '2026-11-01', orderBy: '-eventCount', limit: 50, offset: 5, filters: [{ type: 'person', key: 'country', operator: 'neq', value: 'US' }] };
    const data = await h.ok(q);
    const o = oracle.persons(parse(q));
    expect(data.total).toBe(o.total);
    expectClose(data.rows.map((r: any) => ({ id: r.id, eventCount: r.eventCount, distinctIds: r.distinctIds })), o.rows);
  });
});

describe('churn risk', () => {
  const asOf = '2026-10-19';
  it('ranks people by the documented score', async () => {
    const q = { kind: 'churn_risk', asOf, windowDays: 14, limit: 100 };
    const data = await h.ok(q);
    const o = oracle
      .churnFeatures(`${asOf} 00:00:00.000000`, 14)
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    expect(data.total).toBe(o.length);
    expectClose(
      data.rows.map((r: any) => ({ id: r.id, score: r.score, activeDaysRecent: r.activeDaysRecent, activeDaysPrevious: r.activeDaysPrevious, eventsRecent: r.eventsRecent, eventsPrevious: r.eventsPrevious })),
      o.slice(0, 100).map(({ id, score, activeDaysRecent, activeDaysPrevious, eventsRecent, eventsPrevious }) => ({ id, score, activeDaysRecent, activeDaysPrevious, eventsRecent, eventsPrevious })),
    );
    expect(data.rows[0].reasons.length).toBeGreaterThan(0);
  });

  it('separates the people who then left from those who stayed (AUC reported)', async () => {
    const q = { kind: 'churn_risk', asOf, windowDays: 14, limit: 1000 };
    const scored: Array<{ id: string; score: number }> = [];
    for (let offset = 0; ; offset += 1000) {
      const data = await h.ok({ ...q, offset });
      scored.push(...data.rows);
      if (data.rows.length < 1000) break;
    }
    // Left = no event at all in the 14 days after asOf.
    const after = new Set(oracle.evs.filter((e) => e.wall >= `${asOf} 00:00:00` && e.wall < '2026-11-02 00:00:00').map((e) => e.person));
    const left = scored.filter((s) => !after.has(s.id)).map((s) => s.score);
    const stayed = scored.filter((s) => after.has(s.id)).map((s) => s.score);
    let wins = 0;
    for (const a of left) for (const b of stayed) wins += a > b ? 1 : a === b ? 0.5 : 0;
    const auc = wins / (left.length * stayed.length);
    console.log(`churn_risk: ${scored.length} people scored, ${left.length} left, ${stayed.length} stayed, AUC ${auc.toFixed(3)}`);
    expect(left.length).toBeGreaterThan(50);
    expect(auc).toBeGreaterThan(0.75);
  });

  it('scores organizations through a group property', async () => {
    const q = { kind: 'churn_risk', asOf, windowDays: 14, groupBy: { type: 'person', key: 'org' }, limit: 20 };
    const data = await h.ok(q);
    const o = oracle.churnFeatures(`${asOf} 00:00:00.000000`, 14, [], { type: 'person', key: 'org' }).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    expect(data.total).toBe(o.length);
    expectClose(data.rows.map((r: any) => ({ id: r.id, score: r.score })), o.slice(0, 20).map(({ id, score }) => ({ id, score })));
  });
});
