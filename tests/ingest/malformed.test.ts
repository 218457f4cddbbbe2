import { randomUUID } from 'node:crypto';
import { createGzip, gzipSync } from 'node:zlib';
import LZString from 'lz-string';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INIT, startTestCairn, type TestCairn } from '../support/cairn.js';
import { chRows, clickhouseOf, deadLetters, eventsOf, lz64Bomb, post, postJson, TOKEN } from './helpers.js';

let cairn: TestCairn;
beforeAll(async () => {
  cairn = await startTestCairn({ ...INIT });
});
afterAll(() => cairn?.destroy());

const ok = (distinctId: string) => ({ event: 'fine', distinct_id: distinctId });

/** gzip of `mb` megabytes of zeros, built in 1 MB steps so the test itself stays small. */
async function gzipBomb(mb: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gz.on('data', (c: Buffer) => parts.push(c));
  const done = new Promise((r) => gz.on('end', r));
  const zeros = Buffer.alloc(1024 * 1024, 0x20);
  for (let i = 0; i < mb; i++) if (!gz.write(zeros)) await new Promise((r) => gz.once('drain', r));
  gz.end();
  await done;
  return Buffer.concat(parts);
}

describe('unreadable bodies: 400 with a typed reason, nothing stored', () => {
  const cases: Array<[string, string, BodyInit, Record<string, string>, string]> = [
    ['truncated gzip', '/batch', gzipSync(JSON.stringify({ api_key: TOKEN, batch: [ok('tg')] })).subarray(0, 20), { 'content-encoding': 'gzip' }, 'invalid_gzip'],
    ['truncated gzip by magic bytes', '/e', gzipSync(JSON.stringify({ api_key: TOKEN, batch: [ok('tg')] })).subarray(0, 25), {}, 'invalid_gzip'],
    ['invalid JSON', '/e', '{"api_key": "x", "event": ', { 'content-type': 'application/json' }, 'invalid_json'],
    ['empty body', '/e', '', { 'content-type': 'application/json' }, 'empty_body'],
    ['invalid UTF-8', '/e', Buffer.concat([Buffer.from(`{"api_key":"${TOKEN}","event":"x","distinct_id":"`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]), { 'content-type': 'application/json' }, 'invalid_utf8'],
    ['bad base64', '/e/?compression=base64', '%%%not base64%%%', { 'content-type': 'text/plain' }, 'invalid_base64'],
    ['bad lz64', '/e/?compression=lz64', 'AAAA!!!!', { 'content-type': 'text/plain' }, 'invalid_lz64'],
    ['deeply nested JSON', '/api/v1/capture', `{"token":"${TOKEN}","event":"x","distinct_id":"d","properties":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`, { 'content-type': 'application/json' }, 'too_deep'],
    ['deeply nested arrays', '/e', `[${'['.repeat(50_000)}${']'.repeat(50_000)}]`, { 'content-type': 'application/json' }, 'too_deep'],
    ['Segment body that is not JSON', '/v1/track', 'hello', { 'content-type': 'application/json' }, 'invalid_json'],
  ];
  it.each(cases)('%s', async (_name, path, body, headers, reason) => {
    const res = await post(cairn.url, path, body, headers);
    expect(res.status, res.text).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'MALFORMED_BODY', reason });
  });

  it('the server is still healthy afterwards', async () => {
    expect((await fetch(`${cairn.url}/healthz`)).status).toBe(200);
  });
});

describe('tokens', () => {
  it('401 when missing or unknown, on every dialect', async () => {
    for (const [path, body] of [
      ['/e', ok('t1')],
      ['/e', { ...ok('t1'), api_key: 'cairn_pt_unknown_token_0000000000000000000' }],
      ['/v1/track', { userId: 't1', event: 'x' }],
      ['/v1/track', { userId: 't1', event: 'x', writeKey: 'nope' }],
      ['/api/v1/capture', ok('t1')],
    ] as const) {
      const res = await postJson(cairn.url, path, body);
      expect(res.status, path).toBe(401);
      expect(res.json.error.code).toBe('UNAUTHENTICATED');
    }
    const bearer = await postJson(cairn.url, '/api/v1/capture', ok('t1'), { authorization: 'Bearer cairn_pt_unknown_token_0000000000000000000' });
    expect(bearer.status).toBe(401);
    expect(await eventsOf(cairn, 't1')).toEqual([]);
  });

  it('403 ORG_SUSPENDED for a project of a suspended organization', async () => {
    const token = `cairn_pt_suspended_${randomUUID().replaceAll('-', '')}`;
    const owner = cairn.deps.pg.owner;
    const [org] = await owner('organizations').insert({ name: 'Frozen', slug: `frozen-${Date.now()}`, status: 'suspended' }).returning('id');
    await owner('projects').insert({ organization_id: org.id, name: 'P', token });
    const res = await postJson(cairn.url, '/e', { ...ok('s1'), api_key: token });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('ORG_SUSPENDED');
  });
});

describe('size limits: 413', () => {
  it('an event with a 10 MB string', async () => {
    const res = await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, batch: [ok('big-1'), { ...ok('big-1'), properties: { blob: 'x'.repeat(10 * 1024 * 1024) } }] });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await eventsOf(cairn, 'big-1')).toEqual([]);
  });

  it('many 500 KB events are fine up to 20 MB', async () => {
    const batch = Array.from({ length: 8 }, () => ({ ...ok('big-2'), properties: { blob: 'y'.repeat(500 * 1024) } }));
    const res = await postJson(cairn.url, '/batch', { api_key: TOKEN, batch });
    expect(res.status).toBe(200);
    expect(await eventsOf(cairn, 'big-2')).toHaveLength(8);
  });

  it('a request over 20 MB', async () => {
    const batch = Array.from({ length: 25 }, () => ({ ...ok('big-3'), properties: { blob: 'z'.repeat(900 * 1024) } }));
    const res = await postJson(cairn.url, '/batch', { api_key: TOKEN, batch }).catch((err) => ({ status: 0, err, json: undefined }));
    // The server refuses as soon as the body passes 20 MB; it may close the socket before the client finished sending.
    if (res.status !== 0) {
      expect(res.status).toBe(413);
      expect(res.json.error.code).toBe('PAYLOAD_TOO_LARGE');
    }
    expect(await eventsOf(cairn, 'big-3')).toEqual([]);
    expect((await fetch(`${cairn.url}/healthz`)).status).toBe(200);
  });

  it('a gzip bomb (200 MB of spaces in 200 KB) is refused without inflating it', async () => {
    const bomb = await gzipBomb(200);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const rssBefore = process.memoryUsage().rss;
    for (const headers of [{ 'content-encoding': 'gzip' }, {}]) {
      const res = await post(cairn.url, '/batch', bomb, { 'content-type': 'application/json', ...headers });
      expect(res.status).toBe(413);
      expect(res.json.error.code).toBe('PAYLOAD_TOO_LARGE');
    }
    // The server shares this process: inflating the bomb would have added ~200 MB at least.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(150 * 1024 * 1024);
  });

  it('an lz64 bomb is refused', async () => {
    const small = lz64Bomb(100);
    expect(LZString.decompressFromBase64(small)).toBe(' '.repeat(1 + (101 * 102) / 2 - 1));
    const bomb = lz64Bomb(8000); // ~32 M characters out of ~16 KB
    expect(bomb.length).toBeLessThan(20_000);
    const res = await post(cairn.url, '/e/?compression=lz64', bomb, { 'content-type': 'text/plain' });
    expect(res.status).toBe(413);
  });
});

describe('invalid events in a batch go to the dead-letter table; the valid ones are stored', () => {
  it("Cairn's dialect says how many were rejected and why", async () => {
    const batch = [
      ok('partial-1'),
      { distinct_id: 'partial-1' },
      { event: 'no id' },
      { ...ok('partial-1'), timestamp: 'yesterday-ish' },
      { event: 42, distinct_id: 'partial-1' },
      { ...ok('partial-1'), properties: 'not an object' },
      { ...ok('partial-1'), distinct_id: { nested: true } },
      'not even an object',
      { ...ok('partial-1'), distinct_id: 12345 },
    ];
    const res = await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, batch });
    expect(res.status).toBe(200);
    expect(res.json.data.accepted).toBe(2);
    expect(res.json.data.rejected).toBe(7);
    expect(res.json.data.errors.map((e: { index: number; reason: string }) => [e.index, e.reason])).toEqual([
      [1, 'missing_event'],
      [2, 'missing_distinct_id'],
      [3, 'invalid_timestamp'],
      [4, 'invalid_event'],
      [5, 'invalid_properties'],
      [6, 'invalid_distinct_id'],
      [7, 'invalid_event'],
    ]);
    expect(await eventsOf(cairn, 'partial-1')).toHaveLength(1);
    expect(await eventsOf(cairn, '12345')).toHaveLength(1);

    const dead = await deadLetters(cairn, 'invalid_timestamp');
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!.payload)).toEqual({ ...ok('partial-1'), timestamp: 'yesterday-ish' });
    expect(dead[0]!.source).toBe('cairn');
    const [project] = await chRows<{ project_id: string }>(cairn, 'SELECT any(project_id) AS project_id FROM ${db}.events');
    expect(dead[0]!.project_id).toBe(project!.project_id);
  });

  it('PostHog and Segment SDKs get 200 when some events are valid, 400 when none are', async () => {
    const mixed = await postJson(cairn.url, '/batch', { api_key: TOKEN, batch: [ok('ph-partial'), { event: 'x' }] });
    expect(mixed.status).toBe(200);
    expect(mixed.json).toEqual({ status: 1 });
    const none = await postJson(cairn.url, '/e', { api_key: TOKEN, event: 'x' });
    expect(none.status).toBe(400);
    expect(none.json.error.reason).toBe('missing_distinct_id');
    const seg = await postJson(cairn.url, '/v1/batch', { writeKey: TOKEN, batch: [{ type: 'track', userId: 'seg-partial', event: 'A' }, { type: 'track', event: 'no user' }, { type: 'bogus', userId: 'u' }] });
    expect(seg.status).toBe(200);
    expect(seg.json).toEqual({ success: true });
    expect(await eventsOf(cairn, 'ph-partial')).toHaveLength(1);
    expect(await eventsOf(cairn, 'seg-partial')).toHaveLength(1);
    const sources = (await deadLetters(cairn)).map((d) => `${d.source}:${d.reason}`);
    expect(sources).toEqual(expect.arrayContaining(['posthog:missing_distinct_id', 'segment:missing_distinct_id', 'segment:invalid_event']));
  });
});

describe('when ClickHouse cannot take the events', () => {
  it('answers 503 with Retry-After, and the retried request is stored once it can', async () => {
    const { client, database } = await clickhouseOf(cairn);
    await client.command({ query: `RENAME TABLE ${database}.events TO ${database}.events_away` });
    const uuid = randomUUID();
    try {
      const res = await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, ...ok('outage-1'), uuid });
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe('UNAVAILABLE');
      expect(res.headers.get('retry-after')).toBe('1');
    } finally {
      await client.command({ query: `RENAME TABLE ${database}.events_away TO ${database}.events` });
    }
    const retry = await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, ...ok('outage-1'), uuid });
    expect(retry.status).toBe(200);
    expect((await eventsOf(cairn, 'outage-1')).map((r) => r.uuid)).toEqual([uuid]);
  });
});
