import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventRow, loadPersons, type GenEvent } from './support/dataset.js';
import { startQueryHarness, type QueryHarness } from './support/harness.js';

/** Hand-made data for the cases a random data set rarely hits exactly. Project zone: Berlin. */
let h: QueryHarness;
const us = (iso: string) => Date.parse(iso) * 1000;
const HOUR = 3_600_000_000;

const ids = {
  edge: randomUUID(), // converts exactly at the window edge
  late: randomUUID(), // one microsecond too late
  ooo: randomUUID(), // events ingested out of order
  backwards: randomUUID(), // did step 1 before step 0
  merged: randomUUID(), // two distinct ids, one person
  anonPerson: randomUUID(),
};

function ev(event: string, distinctId: string, personId: string, iso: string, extraUs = 0, properties: Record<string, unknown> = {}): GenEvent {
  return { uuid: randomUUID(), projectId: '', event, distinctId, personId, tsUs: us(iso) + extraUs, properties };
}

beforeAll(async () => {
  h = await startQueryHarness('Europe/Berlin');
  const P = h.projectId;
  const batches: GenEvent[][] = [
    [
      ev('step_a', 'edge', ids.edge, '2026-10-05T10:00:00Z'),
      ev('step_b', 'edge', ids.edge, '2026-10-05T10:00:00Z', HOUR), // exactly one hour later
      ev('step_a', 'late', ids.late, '2026-10-05T10:00:00Z'),
      ev('step_b', 'late', ids.late, '2026-10-05T10:00:00Z', HOUR + 1),
      ev('step_b', 'backwards', ids.backwards, '2026-10-05T09:00:00Z'),
      ev('step_a', 'backwards', ids.backwards, '2026-10-05T09:30:00Z'),
    ],
    // Out of order: the later step arrives in an earlier insert than the first step.
    [ev('step_b', 'ooo', ids.ooo, '2026-10-06T12:20:00Z')],
    [ev('step_a', 'ooo', ids.ooo, '2026-10-06T12:00:00Z')],
    // A person with two distinct ids: anonymous browsing, then identified.
    [
      ev('step_a', 'anon-123', ids.anonPerson, '2026-10-07T08:00:00Z', 0, { path: '/pricing' }),
      ev('step_b', 'alice@example.test', ids.merged, '2026-10-07T08:10:00Z'),
      // Late at night UTC, already the next day in Berlin.
      ev('step_a', 'alice@example.test', ids.merged, '2026-10-07T22:30:00Z'),
    ],
  ];
  for (const b of batches)
    await h.cairn.deps.ch.client.insert({ table: `${h.database}.events`, values: b.map((e) => eventRow({ ...e, projectId: P })), format: 'JSONEachRow' });
  // The same event delivered twice must count once.
  const dup = ev('step_a', 'edge', ids.edge, '2026-10-08T10:00:00Z');
  for (let i = 0; i < 2; i++)
    await h.cairn.deps.ch.client.insert({ table: `${h.database}.events`, values: [eventRow({ ...dup, projectId: P })], format: 'JSONEachRow' });
  // Another project's events, same names and ids: never visible here.
  await h.cairn.deps.ch.client.insert({
    table: `${h.database}.events`,
    values: [eventRow({ ...ev('step_a', 'edge', ids.edge, '2026-10-05T11:00:00Z'), projectId: randomUUID() })],
    format: 'JSONEachRow',
  });
  await loadPersons(
    h.cairn.deps.ch.client,
    h.database,
    P,
    [
      { id: ids.merged, properties: { plan: 'pro' }, isDeleted: false, lastDay: 0 },
      { id: ids.anonPerson, properties: {}, isDeleted: true, lastDay: 0 },
    ],
    new Map([
      ['anon-123', ids.merged],
      ['alice@example.test', ids.merged],
    ]),
  );
});
afterAll(() => h?.cairn.destroy());

const funnel = (extra: Record<string, unknown> = {}) => ({
  kind: 'funnel',
  steps: [{ event: 'step_a' }, { event: 'step_b' }],
  window: { value: 1, unit: 'hour' },
  dateFrom: '2026-10-01',
  dateTo: '2026-10-31',
  ...extra,
});

describe('funnel edge cases', () => {
  it('converts exactly at the window edge, not a microsecond after', async () => {
    const data = await h.ok(funnel());
    const [a, b] = data.breakdowns[0].steps;
    expect(a.count).toBe(5); // edge, late, backwards, ooo, merged
    const converted = b.count;
    const dropped = a.count - converted;
    expect(converted).toBe(3); // edge (exactly 1 h), ooo, merged
    expect(b.droppedOff.total).toBe(dropped);
    expect(b.droppedOff.personIds.sort()).toEqual([ids.late, ids.backwards].sort());
    expect(b.averageTimeToConvertSeconds).toBeCloseTo((3600 + 1200 + 600) / 3, 6);
    expect(b.medianTimeToConvertSeconds).toBe(1200);
  });

  it('orders by event time, not by arrival', async () => {
    const data = await h.ok(funnel({ dateFrom: '2026-10-06', dateTo: '2026-10-06' }));
    expect(data.breakdowns[0].steps.map((s: any) => s.count)).toEqual([1, 1]);
  });

  it('does not convert steps done backwards, except in any order', async () => {
    const ordered = await h.ok(funnel({ dateFrom: '2026-10-05', dateTo: '2026-10-05' }));
    const any = await h.ok(funnel({ dateFrom: '2026-10-05', dateTo: '2026-10-05', order: 'any' }));
    expect(ordered.breakdowns[0].steps[1].droppedOff.personIds).toContain(ids.backwards);
    expect(any.breakdowns[0].steps[1].count).toBe(ordered.breakdowns[0].steps[1].count + 1);
  });

  it('follows a person across two merged distinct ids', async () => {
    const data = await h.ok(funnel({ dateFrom: '2026-10-07', dateTo: '2026-10-07' }));
    expect(data.breakdowns[0].steps.map((s: any) => s.count)).toEqual([1, 1]);
    const people = await h.ok({ kind: 'persons', dateFrom: '2026-10-07', dateTo: '2026-10-07' });
    expect(people.rows).toHaveLength(1);
    expect(people.rows[0]).toMatchObject({ id: ids.merged, distinctIds: ['alice@example.test', 'anon-123'], properties: { plan: 'pro' }, eventCount: 2 });
  });
});

describe('time zone, duplicates and other projects', () => {
  it('buckets by the project time zone and counts a re-delivered event once', async () => {
    const data = await h.ok({ kind: 'trends', series: [{ event: 'step_a' }], interval: 'day', dateFrom: '2026-10-05', dateTo: '2026-10-08' });
    expect(data.timezone).toBe('Europe/Berlin');
    expect(data.buckets).toEqual(['2026-10-05T00:00:00', '2026-10-06T00:00:00', '2026-10-07T00:00:00', '2026-10-08T00:00:00']);
    // 10-05: edge, late, backwards; 10-06: ooo; 10-07: anon; 10-08: alice at 00:30 Berlin + the duplicate once.
    expect(data.series[0].values).toEqual([3, 1, 1, 2]);
    expect(data.series[0].total).toBe(7);
  });

  it('counts the merged person once in unique users', async () => {
    const data = await h.ok({ kind: 'trends', series: [{ event: 'step_a', math: 'unique_users' }], interval: 'week', dateFrom: '2026-10-07', dateTo: '2026-10-08' });
    expect(data.series[0].total).toBe(2); // alice (both ids) and edge's duplicate
  });
});

describe('empty ranges', () => {
  const empty = { dateFrom: '2026-03-01', dateTo: '2026-03-03' };
  it('answers zeros, not errors, for every kind', async () => {
    const t = await h.ok({ kind: 'trends', series: [{ event: 'step_a', math: 'unique_users' }], interval: 'day', ...empty });
    expect(t.series[0].values).toEqual([0, 0, 0]);
    expect(t.series[0].total).toBe(0);
    const f = await h.ok(funnel(empty));
    expect(f.breakdowns[0].steps.map((s: any) => [s.count, s.medianTimeToConvertSeconds])).toEqual([
      [0, null],
      [0, null],
    ]);
    const r = await h.ok({ kind: 'retention', startEvent: { event: 'step_a' }, returnEvent: { event: 'step_b' }, period: 'day', periods: 3, ...empty });
    expect(r.cohorts.map((c: any) => c.values)).toEqual([
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    expect((await h.ok({ kind: 'paths', startEvent: 'step_a', ...empty })).edges).toEqual([]);
    expect((await h.ok({ kind: 'stickiness', event: 'step_a', ...empty })).values).toEqual([0, 0, 0]);
    const l = await h.ok({ kind: 'lifecycle', event: 'step_a', ...empty });
    expect([...l.new, ...l.returning, ...l.resurrecting, ...l.dormant].every((v: number) => v === 0)).toBe(true);
    expect(await h.ok({ kind: 'events', ...empty })).toMatchObject({ total: 0, rows: [] });
    expect(await h.ok({ kind: 'persons', ...empty })).toMatchObject({ total: 0, rows: [] });
    expect(await h.ok({ kind: 'churn_risk', asOf: '2026-03-01' })).toMatchObject({ total: 0, rows: [] });
  });
});

describe('cache', () => {
  it('serves a repeat from the cache, recomputes on refresh and after new data', async () => {
    const q = { kind: 'trends', series: [{ event: 'step_b' }], interval: 'day', dateFrom: '2026-10-01', dateTo: '2026-10-10' };
    const first = await h.query(q, { refresh: true });
    expect(first.json.data.cache.hit).toBe(false);
    const again = await h.query(q);
    expect(again.json.data.cache.hit).toBe(true);
    expect(again.json.data.series).toEqual(first.json.data.series);
    expect((await h.query(q, { refresh: true })).json.data.cache.hit).toBe(false);
    await h.cairn.deps.ch.client.insert({
      table: `${h.database}.events`,
      values: [eventRow({ ...ev('step_b', 'edge', ids.edge, '2026-10-09T12:00:00Z'), projectId: h.projectId })],
      format: 'JSONEachRow',
    });
    const fresh = await h.query(q);
    expect(fresh.json.data.cache.hit).toBe(false);
    expect(fresh.json.data.series[0].total).toBe(first.json.data.series[0].total + 1);
  });
});
