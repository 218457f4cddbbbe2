import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { openClickHouse, type ClickHouse } from '../db/clickhouse.js';
import { migrateClickHouse } from '../db/migrate-clickhouse.js';
import { sharedTenantStores } from '../tenancy/stores.js';
import type { IngestEvent } from './event.js';
import { firstPersonId } from './persons.resolve.js';
import { newUuid } from './uuid.js';
import { createEventWriter, dedupSettings, eventRowText, type EventWriter } from './writer.js';
import { eventColumns } from './event.columns.js';
import { toClickHouseTime } from './clickhouse-time.js';

const P = '00000000-0000-4000-8000-0000000000aa';
const ORG = '00000000-0000-4000-8000-0000000000bb';

const ev = (distinctId: string, event = 'pageview', extra: Partial<IngestEvent> = {}): IngestEvent => ({
  uuid: newUuid(), projectId: P, orgId: ORG, event, distinctId, timestamp: '2026-03-04T05:06:07.123456Z',
  receivedAt: '2026-03-04T05:06:08.000Z', properties: { $current_url: 'https://a.example/p?q=1', $lib: 'web' }, flags: [], ...extra,
});

describe('createEventWriter against chDB', () => {
  let dir: string;
  let ch: ClickHouse;
  let writer: EventWriter;
  const q = async <T>(query: string) => (await ch.client.query({ query, format: 'JSONEachRow' })).json<T>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cairn-writer-'));
    ch = await openClickHouse(loadConfig({ CAIRN_DATA_DIR: dir }));
    await migrateClickHouse(ch.client, ch.database);
    writer = createEventWriter({ tenants: sharedTenantStores(ch), log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await ch?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('inserts events with their columns and person', async () => {
    const e = ev('alice', 'signup', { set: { email: 'a@x.test' }, flags: ['timestamp_clamped'] });
    await writer.write([e], { deduplicationToken: 't1' });
    const [row] = await q<Record<string, unknown>>(`SELECT * FROM cairn.events FINAL WHERE uuid = '${e.uuid}'`);
    expect(row).toMatchObject({
      event: 'signup', distinct_id: 'alice', person_id: firstPersonId(P, 'alice'), timestamp: '2026-03-04 05:06:07.123456',
      url: 'https://a.example/p?q=1', path: '/p', lib: 'web', flags: ['timestamp_clamped'], person_set: '{"email":"a@x.test"}',
    });
    const persons = await q<{ properties: string }>(`SELECT properties FROM cairn.persons FINAL WHERE id = '${firstPersonId(P, 'alice')}'`);
    expect(JSON.parse(persons[0]!.properties)).toEqual({ email: 'a@x.test' });
    const usage = await q<{ n: string }>(`SELECT sum(events) AS n FROM cairn.usage WHERE project_id = '${P}'`);
    expect(Number(usage[0]!.n)).toBe(1);
  });

  it('folds a retried batch with the same deduplication token at insert time', async () => {
    const batch = [ev('bob'), ev('bob')];
    await writer.write(batch, { deduplicationToken: 'retry-1' });
    await writer.write(batch, { deduplicationToken: 'retry-1' });
    const rows = await q<{ n: string }>(`SELECT count() AS n FROM cairn.events WHERE distinct_id = 'bob'`);
    expect(Number(rows[0]!.n)).toBe(2);
    const usage = await q<{ n: string }>(`SELECT sum(events) AS n FROM cairn.usage WHERE project_id = '${P}'`);
    expect(Number(usage[0]!.n)).toBe(3);
    // A different token with the same uuids lands, but FINAL still shows each uuid once.
    await writer.write(batch, { deduplicationToken: 'retry-2' });
    const final = await q<{ n: string }>(`SELECT count() AS n FROM cairn.events FINAL WHERE distinct_id = 'bob'`);
    expect(Number(final[0]!.n)).toBe(2);
  });

  it('merges persons on $identify across batches, so both ids resolve to one person', async () => {
    await writer.write([ev('anon-1', 'pageview', { set: { ref: 'ad' } })], { deduplicationToken: 'm1' });
    await writer.write([ev('user-1', 'pageview', { set: { plan: 'pro' } })], { deduplicationToken: 'm2' });
    await writer.write([ev('user-1', '$identify', { properties: { $anon_distinct_id: 'anon-1' } })], { deduplicationToken: 'm3' });
    const map = await q<{ distinct_id: string; person_id: string }>(
      `SELECT distinct_id, argMax(person_id, version) AS person_id FROM cairn.person_distinct_ids
        WHERE distinct_id IN ('anon-1', 'user-1') GROUP BY distinct_id ORDER BY distinct_id`,
    );
    expect(map.map((r) => r.person_id)).toEqual([firstPersonId(P, 'user-1'), firstPersonId(P, 'user-1')]);
    const people = await q<{ id: string; properties: string; is_deleted: number }>(
      `SELECT id, properties, is_deleted FROM cairn.persons FINAL WHERE id IN ('${firstPersonId(P, 'user-1')}', '${firstPersonId(P, 'anon-1')}') ORDER BY is_deleted`,
    );
    expect(JSON.parse(people[0]!.properties)).toEqual({ ref: 'ad', plan: 'pro' });
    expect(people[1]).toMatchObject({ id: firstPersonId(P, 'anon-1'), is_deleted: 1 });
  });

  it('moves every distinct id of the absorbed person, including ids stored by earlier batches', async () => {
    await writer.write([ev('anon-2'), ev('anon-3', '$create_alias', { properties: { alias: 'anon-2' } })], { deduplicationToken: 'k1' });
    await writer.write([ev('user-2')], { deduplicationToken: 'k2' });
    // A fresh writer: nothing cached, everything read back from ClickHouse.
    const cold = createEventWriter({ tenants: sharedTenantStores(ch), log: pino({ level: 'silent' }) });
    await cold.write([ev('user-2', '$identify', { properties: { $anon_distinct_id: 'anon-2' } })], { deduplicationToken: 'k3' });
    const map = await q<{ distinct_id: string; person_id: string }>(
      `SELECT distinct_id, argMax(person_id, version) AS person_id FROM cairn.person_distinct_ids
        WHERE distinct_id IN ('anon-2', 'anon-3', 'user-2') GROUP BY distinct_id ORDER BY distinct_id`,
    );
    expect(map.map((r) => r.person_id)).toEqual(Array(3).fill(firstPersonId(P, 'user-2')));
  });

  it('writes dead letters with reason and payload', async () => {
    await writer.writeDeadLetters([
      { projectId: P, orgId: ORG, receivedAt: new Date().toISOString(), reason: 'missing_event', detail: 'no event name', payload: '{"x":1}', source: 'posthog' },
    ]);
    const rows = await q<Record<string, unknown>>(`SELECT reason, payload, source FROM cairn.events_dead_letter`);
    expect(rows).toEqual([{ reason: 'missing_event', payload: '{"x":1}', source: 'posthog' }]);
  });

  it('stores properties and person sets as exactly the JSON text of what was sent', async () => {
    const properties = {
      'ü "k"\\': 'line\nbreak\ttab "q" \u2028 😀 \ud800', nested: { a: [1, 2.5, -0, 1e21, null, true, {}], b: {} }, empty: '', big: 12345678901234567890,
    };
    const e = ev('json-text', 'pageview', { properties, set: { 'a"b': ['x', { y: 1 }] }, setOnce: { first: '\u0001' } });
    await writer.write([e], { deduplicationToken: 'json-text' });
    const [row] = await q<{ properties: string; person_set: string; person_set_once: string }>(
      `SELECT properties, person_set, person_set_once FROM cairn.events WHERE uuid = '${e.uuid}'`,
    );
    expect(row).toEqual({ properties: JSON.stringify(properties), person_set: JSON.stringify(e.set), person_set_once: JSON.stringify(e.setOnce) });
    const other = ev('json-text-2', 'pageview', { properties: {} });
    await writer.write([other], { deduplicationToken: 'json-text-2' });
    const [empty] = await q<{ properties: string; person_set: string }>(`SELECT properties, person_set FROM cairn.events WHERE uuid = '${other.uuid}'`);
    expect(empty).toEqual({ properties: '{}', person_set: '' });
  });

  it('leaves no deduplication token behind: a later insert into events without one is stored', async () => {
    // chDB keeps `clickhouse_settings` for the whole session (they become `SET`s); a token
    // passed that way would fold every later token-less insert into events as a duplicate.
    await writer.write([ev('stale-1')], { deduplicationToken: 'stale-token' });
    const [setting] = await q<{ t: string }>(`SELECT getSetting('insert_deduplication_token') AS t`);
    expect(setting!.t).toBe('');
    const plain = (id: string) => ({
      project_id: P, uuid: newUuid(), event: 'plain', distinct_id: id, person_id: firstPersonId(P, id),
      timestamp: '2026-03-04 05:06:07.000000', received_at: '2026-03-04 05:06:07.000000', properties: '{}',
    });
    await ch.client.insert({ table: 'cairn.events', format: 'JSONEachRow', values: [plain('stale-2')] });
    await ch.client.insert({ table: 'cairn.events', format: 'JSONEachRow', values: [plain('stale-2'), plain('stale-2')] });
    // And the writer's next batch, under a new token, is not folded into the earlier one.
    await writer.write([ev('stale-3')], { deduplicationToken: 'stale-token-2' });
    const rows = await q<{ distinct_id: string; n: string }>(
      `SELECT distinct_id, count() AS n FROM cairn.events WHERE distinct_id LIKE 'stale-%' GROUP BY distinct_id ORDER BY distinct_id`,
    );
    expect(rows.map((r) => [r.distinct_id, Number(r.n)])).toEqual([['stale-1', 1], ['stale-2', 3], ['stale-3', 1]]);
  });

  it('keeps a token with unusual characters stable and quoted safely', async () => {
    expect(dedupSettings('t:0:1-5')).toContain("insert_deduplication_token = 't:0:1-5'");
    const odd = "topic'; DROP TABLE x; --:0:1-2";
    expect(dedupSettings(odd)).toBe(dedupSettings(odd));
    expect(dedupSettings(odd)).not.toContain('DROP');
    const batch = [ev('odd-token')];
    await writer.write(batch, { deduplicationToken: odd });
    await writer.write(batch, { deduplicationToken: odd });
    const [n] = await q<{ n: string }>(`SELECT count() AS n FROM cairn.events WHERE distinct_id = 'odd-token'`);
    expect(Number(n!.n)).toBe(1);
  });
});

describe('eventRowText', () => {
  it('is one JSON line of the row, with the JSON columns as objects', () => {
    const e = ev('a"b\\c\u2028', 'ünï "quoted"', {
      properties: { $current_url: 'https://x.example/p?a="1"', $user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile Safari', nested: { k: ['\n', 1, null] } },
      set: { email: 'x@y' }, flags: ['timestamp_clamped'],
    });
    const expected = {
      project_id: e.projectId, uuid: e.uuid, event: e.event, distinct_id: e.distinctId, person_id: 'p',
      timestamp: toClickHouseTime(e.timestamp), received_at: toClickHouseTime(e.receivedAt), properties: e.properties,
      person_set: { email: 'x@y' }, person_set_once: '', ...eventColumns(e), flags: ['timestamp_clamped'],
    };
    const text = eventRowText(e, 'p');
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(expected);
  });
});
