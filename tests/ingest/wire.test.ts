import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import LZString from 'lz-string';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INIT, startTestCairn, type TestCairn } from '../support/cairn.js';
import { chRows, eventsOf, iso, personOf, post, postJson, TOKEN } from './helpers.js';

let cairn: TestCairn;
beforeAll(async () => {
  cairn = await startTestCairn({ ...INIT });
});
afterAll(() => cairn?.destroy());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ev = (distinctId: string, extra: Record<string, unknown> = {}) => ({ event: 'wire', distinct_id: distinctId, properties: { via: distinctId }, ...extra });

describe('PostHog capture paths and encodings', () => {
  const paths = ['/e', '/e/', '/i/v0/e', '/i/v0/e/', '/capture', '/capture/', '/track', '/track/', '/batch', '/batch/', '/engage', '/engage/'];
  it.each(paths)('POST %s stores the event and answers {status: 1}', async (p) => {
    const id = `path${p.replaceAll('/', '_')}`;
    const res = await postJson(cairn.url, p, { api_key: TOKEN, batch: [ev(id)] });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 1 });
    expect((await eventsOf(cairn, id)).map((r) => r.event)).toEqual(['wire']);
  });

  it('accepts one event, an array of events and a batch object', async () => {
    expect((await postJson(cairn.url, '/e', { ...ev('shape-1'), api_key: TOKEN })).status).toBe(200);
    expect((await postJson(cairn.url, '/e', [{ ...ev('shape-2'), token: TOKEN }, ev('shape-2')])).status).toBe(200);
    expect((await postJson(cairn.url, '/e', { ...ev('shape-3'), properties: { token: TOKEN } })).status).toBe(200);
    expect((await postJson(cairn.url, '/batch', { token: TOKEN, batch: [ev('shape-4')] })).status).toBe(200);
    expect(await eventsOf(cairn, 'shape-1')).toHaveLength(1);
    expect(await eventsOf(cairn, 'shape-2')).toHaveLength(2);
    expect(await eventsOf(cairn, 'shape-3')).toHaveLength(1);
    expect(await eventsOf(cairn, 'shape-4')).toHaveLength(1);
  });

  it('/engage stores person updates as $set events on the person', async () => {
    const res = await postJson(cairn.url, '/engage', { $token: TOKEN, $distinct_id: 'engage-1', $set: { tier: 'gold' } });
    expect(res.status).toBe(200);
    const [row] = await eventsOf(cairn, 'engage-1');
    expect(row).toMatchObject({ event: '$set', person_set: '{"tier":"gold"}' });
  });

  const body = (id: string) => JSON.stringify({ api_key: TOKEN, batch: [ev(id)] });
  const encodings: Array<[string, (id: string) => { path: string; body: BodyInit; headers?: Record<string, string> }]> = [
    ['gzip by Content-Encoding', (id) => ({ path: '/batch', body: gzipSync(body(id)), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } })],
    ['gzip by magic bytes only', (id) => ({ path: '/batch', body: gzipSync(body(id)), headers: { 'content-type': 'application/json' } })],
    ['gzip-js (posthog-js) as text/plain', (id) => ({ path: '/e/?compression=gzip-js&ver=1.200.0&_=1700000000000', body: gzipSync(body(id)), headers: { 'content-type': 'text/plain' } })],
    ['?compression=gzip', (id) => ({ path: '/i/v0/e/?compression=gzip', body: gzipSync(body(id)) })],
    ['base64 body', (id) => ({ path: '/e/?compression=base64', body: b64(body(id)), headers: { 'content-type': 'text/plain' } })],
    ['base64 body without a compression hint', (id) => ({ path: '/e/', body: b64(body(id)), headers: { 'content-type': 'text/plain' } })],
    ['lz64 body', (id) => ({ path: '/e/?compression=lz64', body: LZString.compressToBase64(body(id)), headers: { 'content-type': 'text/plain' } })],
    ['form data=base64', (id) => ({ path: '/e/', body: `data=${encodeURIComponent(b64(body(id)))}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
    ['form data=lz64&compression=lz64', (id) => ({ path: '/e/', body: `data=${encodeURIComponent(LZString.compressToBase64(body(id)))}&compression=lz64`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
    ['form data=JSON', (id) => ({ path: '/e/', body: `data=${encodeURIComponent(body(id))}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
    ['sendBeacon text/plain JSON', (id) => ({ path: '/e/', body: body(id), headers: { 'content-type': 'text/plain;charset=UTF-8' } })],
    ['no content type at all', (id) => ({ path: '/e/', body: body(id) })],
  ];
  it.each(encodings)('%s', async (name, make) => {
    const id = `enc-${name.replace(/\W+/g, '-')}`;
    const req = make(id);
    const res = await post(cairn.url, req.path, req.body, req.headers);
    expect(res.status, res.text).toBe(200);
    expect((await eventsOf(cairn, id)).map((r) => JSON.parse(r.properties).via)).toEqual([id]);
  });

  it('GET with data= (JSON or base64) stores the event', async () => {
    const a = await fetch(`${cairn.url}/e/?data=${encodeURIComponent(body('get-json'))}`);
    const b = await fetch(`${cairn.url}/e/?data=${encodeURIComponent(b64(body('get-b64')))}&ip=1`);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await eventsOf(cairn, 'get-json')).toHaveLength(1);
    expect(await eventsOf(cairn, 'get-b64')).toHaveLength(1);
  });

  it('beacon=1 answers 204 with no body', async () => {
    const res = await post(cairn.url, '/e/?beacon=1', body('beacon-1'), { 'content-type': 'text/plain' });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await eventsOf(cairn, 'beacon-1')).toHaveLength(1);
  });

  it('takes the timestamp from sent_at − offset when there is no timestamp', async () => {
    const res = await postJson(cairn.url, '/batch', { api_key: TOKEN, sent_at: '2026-04-01T12:00:10.000Z', batch: [ev('offset-1', { offset: 10_000 })] });
    expect(res.status).toBe(200);
    expect(iso((await eventsOf(cairn, 'offset-1'))[0]!.timestamp)).toBe('2026-04-01T12:00:00.000Z');
  });

  it('answers CORS preflights and marks answers for browser origins', async () => {
    const pre = await fetch(`${cairn.url}/e/`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')).toBe('content-type');
    const res = await post(cairn.url, '/e/', body('cors-1'), { origin: 'https://shop.example', 'content-type': 'text/plain' });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });

  it.each(['/flags', '/flags/?v=2', '/decide', '/decide/?v=3'])('%s answers an empty valid flags response', async (p) => {
    const res = await postJson(cairn.url, p, { api_key: TOKEN, distinct_id: 'x' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ flags: {}, featureFlags: {}, errorsWhileComputingFlags: false });
  });
});

describe('Segment HTTP tracking API', () => {
  const basic = { authorization: `Basic ${b64(`${TOKEN}:`)}` };
  it.each([
    ['track', { event: 'Signed Up' }, 'Signed Up'],
    ['page', { name: 'Home' }, '$pageview'],
    ['screen', { name: 'Main' }, '$screen'],
    ['identify', { traits: { a: 1 } }, '$identify'],
    ['group', { groupId: 'g1' }, '$groupidentify'],
    ['alias', { previousId: 'old-id' }, '$create_alias'],
  ])('/v1/%s with HTTP Basic auth', async (type, fields, name) => {
    const id = `seg-${type}`;
    const res = await postJson(cairn.url, `/v1/${type}`, { userId: id, ...fields }, basic);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: true });
    expect((await eventsOf(cairn, id)).map((r) => r.event)).toEqual([name]);
  });

  it('/v1/batch and /v1/import with writeKey in the body; top-level context merges into every item', async () => {
    for (const p of ['/v1/batch', '/v1/import']) {
      const id = `seg${p.replaceAll('/', '-')}`;
      const res = await postJson(cairn.url, p, {
        writeKey: TOKEN,
        context: { page: { url: 'https://ctx.example/a' }, library: { name: 'custom-lib' } },
        batch: [{ type: 'track', event: 'A', anonymousId: id }, { type: 'page', anonymousId: id, properties: { url: 'https://ctx.example/b' } }],
      });
      expect(res.status).toBe(200);
      const rows = await eventsOf(cairn, id);
      expect(rows.map((r) => [r.event, r.url, r.lib]).sort()).toEqual([
        ['$pageview', 'https://ctx.example/b', 'custom-lib'],
        ['A', 'https://ctx.example/a', 'custom-lib'],
      ]);
    }
  });
});

describe("Cairn's own POST /api/v1/capture", () => {
  it('accepts a single event with the token in the body, or a batch with Bearer', async () => {
    const one = await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, ...ev('cairn-1') });
    expect(one.json).toEqual({ data: { accepted: 1, rejected: 0, errors: [] } });
    const many = await postJson(cairn.url, '/api/v1/capture', { batch: [ev('cairn-2'), ev('cairn-2')] }, { authorization: `Bearer ${TOKEN}` });
    expect(many.json).toEqual({ data: { accepted: 2, rejected: 0, errors: [] } });
    const gz = await post(cairn.url, '/api/v1/capture', gzipSync(JSON.stringify({ token: TOKEN, ...ev('cairn-3') })), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(gz.status).toBe(200);
    expect(await eventsOf(cairn, 'cairn-2')).toHaveLength(2);
    expect(await eventsOf(cairn, 'cairn-3')).toHaveLength(1);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await (await fetch(`${cairn.url}/api/v1/openapi.json`)).json();
    expect(doc.paths['/api/v1/capture'].post.responses['200']).toBeDefined();
    expect(Object.keys(doc.paths).length).toBeGreaterThan(1);
  });

  it('stores a uuid sent twice once (read with FINAL)', async () => {
    const uuid = randomUUID();
    for (let i = 0; i < 2; i++) expect((await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, ...ev('dedup-1', { uuid }) })).status).toBe(200);
    const rows = await eventsOf(cairn, 'dedup-1');
    expect(rows.map((r) => r.uuid)).toEqual([uuid]);
  });

  it('stores any UTF-8 in property names and values exactly as sent', async () => {
    const properties = { 'ключ 🔑': 'значение', 'עברית': 'שלום עולם', '中文': '你好，世界', emoji: '👩‍👩‍👧‍👦🏳️‍🌈', nul: 'a\u0000b', quote: `"'\\`, 'a.b[c]': { deep: ['x', 1, null, true] } };
    const res = await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, event: 'ünïcødé ✓', distinct_id: 'utf8-👤', properties });
    expect(res.status).toBe(200);
    const [row] = await eventsOf(cairn, 'utf8-👤');
    expect(row!.event).toBe('ünïcødé ✓');
    expect(JSON.parse(row!.properties)).toEqual(properties);
  });

  it('clamps far-future timestamps to the time of receipt and flags them', async () => {
    const before = Date.now();
    await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, ...ev('future-1', { timestamp: '2099-01-01T00:00:00Z' }) });
    const [row] = await eventsOf(cairn, 'future-1');
    expect(row!.flags).toEqual(['timestamp_clamped']);
    expect(Date.parse(iso(row!.timestamp))).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(iso(row!.timestamp))).toBeLessThan(Date.parse('2099-01-01'));
  });

  it('merges persons on $identify and $create_alias; the events keep their distinct ids', async () => {
    await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, batch: [ev('anon-a', { $set_once: { first_seen: 'ad' } }), ev('anon-b')] });
    await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, ...ev('user-x', { $set: { plan: 'pro' } }) });
    await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, event: '$identify', distinct_id: 'user-x', properties: { $anon_distinct_id: 'anon-a' } });
    await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, event: '$create_alias', distinct_id: 'user-x', properties: { alias: 'anon-b' } });
    const person = await personOf(cairn, 'user-x');
    expect(await personOf(cairn, 'anon-a')).toBe(person);
    expect(await personOf(cairn, 'anon-b')).toBe(person);
    const [p] = await chRows<{ properties: string }>(cairn, 'SELECT properties FROM ${db}.persons FINAL WHERE id = {id:UUID}', { id: person });
    expect(JSON.parse(p!.properties)).toEqual({ first_seen: 'ad', plan: 'pro' });
    // The query-time person of an event as docs/ingestion.md documents it: follow person_distinct_ids.
    const [{ project }] = await chRows<{ project: string }>(cairn, "SELECT any(project_id) AS project FROM ${db}.events WHERE distinct_id = 'user-x'");
    const perEvent = await chRows<{ distinct_id: string; person: string; stored: string }>(
      cairn,
      `SELECT e.distinct_id AS distinct_id, e.person_id AS stored,
              if(pdi.person_id = toUUID('00000000-0000-0000-0000-000000000000'), e.person_id, pdi.person_id) AS person
       FROM \${db}.events AS e FINAL
       LEFT JOIN (SELECT distinct_id, argMax(person_id, version) AS person_id FROM \${db}.person_distinct_ids
                  WHERE project_id = {project:UUID} GROUP BY distinct_id) AS pdi ON pdi.distinct_id = e.distinct_id
       WHERE e.project_id = {project:UUID} AND e.distinct_id IN ('anon-a', 'anon-b', 'user-x')`,
      { project },
    );
    expect(perEvent).toHaveLength(5);
    // events.person_id keeps the person at ingest time: the anonymous events still carry theirs.
    expect(new Set(perEvent.map((r) => r.stored)).size).toBeGreaterThan(1);
    expect(new Set(perEvent.map((r) => r.person))).toEqual(new Set([person]));
  });

  it('counts accepted events per project per hour in usage', async () => {
    const [u] = await chRows<{ n: string }>(cairn, 'SELECT sum(events) AS n FROM ${db}.usage');
    const [e] = await chRows<{ n: string }>(cairn, 'SELECT count() AS n FROM ${db}.events');
    expect(Number(u!.n)).toBeGreaterThan(0);
    expect(Number(u!.n)).toBeLessThanOrEqual(Number(e!.n));
  });
});
