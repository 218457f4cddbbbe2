import { Analytics } from '@segment/analytics-node';
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INIT, startTestCairn, type TestCairn } from '../support/cairn.js';
import { chRows, eventsOf, iso, personOf, TOKEN } from './helpers.js';

let cairn: TestCairn;
beforeAll(async () => {
  cairn = await startTestCairn({ ...INIT });
});
afterAll(() => cairn?.destroy());

describe('posthog-node pointed at Cairn', () => {
  it('delivers every event with its distinct id, name, timestamp and properties (gzip /batch/)', async () => {
    const client = new PostHog(TOKEN, { host: cairn.url, flushAt: 5, flushInterval: 50, fetchRetryCount: 0 });
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    const base = Date.parse('2026-05-01T10:00:00.000Z');
    for (let i = 0; i < 12; i++) {
      client.capture({
        distinctId: 'ph-user-1',
        event: i % 2 ? 'clicked' : 'viewed',
        timestamp: new Date(base + i * 1000),
        properties: { i, label: `名前 ${i} 🚀`, nested: { ok: true }, $current_url: `https://app.example/p/${i}` },
      });
    }
    await client.shutdown();
    expect(errors).toEqual([]);

    const rows = await eventsOf(cairn, 'ph-user-1');
    expect(rows).toHaveLength(12);
    rows.forEach((r, i) => {
      expect(r.event).toBe(i % 2 ? 'clicked' : 'viewed');
      expect(iso(r.timestamp)).toBe(new Date(base + i * 1000).toISOString());
      const props = JSON.parse(r.properties);
      expect(props).toMatchObject({ i, label: `名前 ${i} 🚀`, nested: { ok: true }, $lib: 'posthog-node' });
      expect(r.url).toBe(`https://app.example/p/${i}`);
      expect(r.lib).toBe('posthog-node');
    });
  });

  it('identifies and aliases: ids end up on one person, $set lands on the person', async () => {
    const client = new PostHog(TOKEN, { host: cairn.url, flushAt: 1, flushInterval: 0, fetchRetryCount: 0 });
    client.capture({ distinctId: 'ph-anon-9', event: 'viewed' });
    await client.flush();
    client.identify({ distinctId: 'ph-user-9', properties: { email: 'nine@acme.test' } });
    await client.flush();
    client.alias({ distinctId: 'ph-user-9', alias: 'ph-anon-9' });
    await client.shutdown();
    const person = await personOf(cairn, 'ph-user-9');
    expect(person).toBeDefined();
    expect(await personOf(cairn, 'ph-anon-9')).toBe(person);
    const [p] = await chRows<{ properties: string }>(cairn, 'SELECT properties FROM ${db}.persons FINAL WHERE id = {id:UUID}', { id: person });
    expect(JSON.parse(p!.properties)).toMatchObject({ email: 'nine@acme.test' });
  });

  it('gets an empty, valid feature flag answer instead of an error', async () => {
    const client = new PostHog(TOKEN, { host: cairn.url, fetchRetryCount: 0 });
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    expect(await client.getAllFlags('ph-user-1')).toEqual({});
    expect(await client.getFeatureFlag('some-flag', 'ph-user-1')).toBeUndefined();
    await client.shutdown();
    expect(errors).toEqual([]);
  });
});

/** Resolves when analytics-node reports the call delivered (closeAndFlush alone does not wait for the response). */
const delivered = (send: (cb: (err?: unknown) => void) => void) =>
  new Promise<void>((resolve, reject) => send((err) => (err ? reject(err) : resolve())));

describe('@segment/analytics-node pointed at Cairn', () => {
  it('delivers track, page, identify, alias and group calls', async () => {
    const analytics = new Analytics({ writeKey: TOKEN, host: cairn.url, flushInterval: 50, maxEventsInBatch: 10, maxRetries: 0 });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    const ts = new Date('2026-05-02T08:30:00.000Z');
    await Promise.all([
      delivered((cb) => analytics.track({ anonymousId: 'seg-anon-1', event: 'Order Completed', properties: { total: 42.5, currency: 'EUR', note: 'ünïcödé ✓' }, timestamp: ts, messageId: 'msg-1' }, cb)),
      delivered((cb) => analytics.page({ anonymousId: 'seg-anon-1', name: 'Pricing', properties: { url: 'https://acme.example/pricing' }, timestamp: ts }, cb)),
    ]);
    await delivered((cb) => analytics.identify({ userId: 'seg-user-1', anonymousId: 'seg-anon-1', traits: { plan: 'pro', email: 'u1@acme.test' }, timestamp: ts }, cb));
    await delivered((cb) => analytics.group({ userId: 'seg-user-1', groupId: 'org-7', traits: { name: 'Org 7' }, timestamp: ts }, cb));
    await delivered((cb) => analytics.alias({ userId: 'seg-user-1', previousId: 'seg-legacy-1', timestamp: ts }, cb));
    await analytics.closeAndFlush();
    expect(errors).toEqual([]);

    const anon = await eventsOf(cairn, 'seg-anon-1');
    expect(anon.map((r) => r.event).sort()).toEqual(['$pageview', 'Order Completed']);
    const track = anon.find((r) => r.event === 'Order Completed')!;
    // Segment timestamps are corrected by the client's clock skew (sentAt vs receipt): milliseconds here.
    expect(Math.abs(Date.parse(iso(track.timestamp)) - ts.getTime())).toBeLessThan(5_000);
    expect(JSON.parse(track.properties)).toMatchObject({ total: 42.5, currency: 'EUR', note: 'ünïcödé ✓', $lib: '@segment/analytics-node' });
    const page = anon.find((r) => r.event === '$pageview')!;
    expect(page.url).toBe('https://acme.example/pricing');

    const user = await eventsOf(cairn, 'seg-user-1');
    expect(user.map((r) => r.event).sort()).toEqual(['$create_alias', '$groupidentify', '$identify']);
    const person = await personOf(cairn, 'seg-user-1');
    expect(await personOf(cairn, 'seg-anon-1')).toBe(person);
    expect(await personOf(cairn, 'seg-legacy-1')).toBe(person);
    const [p] = await chRows<{ properties: string }>(cairn, 'SELECT properties FROM ${db}.persons FINAL WHERE id = {id:UUID}', { id: person });
    expect(JSON.parse(p!.properties)).toEqual({ plan: 'pro', email: 'u1@acme.test' });
  });

  it('maps the same messageId to the same uuid, so a resend is stored once', async () => {
    for (let i = 0; i < 2; i++) {
      const analytics = new Analytics({ writeKey: TOKEN, host: cairn.url, flushInterval: 10, maxRetries: 0 });
      await delivered((cb) => analytics.track({ userId: 'seg-dup', event: 'Dup', messageId: 'same-message-id' }, cb));
      await analytics.closeAndFlush();
    }
    const rows = await eventsOf(cairn, 'seg-dup');
    expect(rows).toHaveLength(1);
  });

  it('is refused with an unknown write key', async () => {
    const analytics = new Analytics({ writeKey: 'not-a-project-token', host: cairn.url, flushInterval: 10, maxRetries: 0 });
    await expect(delivered((cb) => analytics.track({ userId: 'seg-bad', event: 'Nope' }, cb))).rejects.toBeTruthy();
    await analytics.closeAndFlush();
    expect(await eventsOf(cairn, 'seg-bad')).toEqual([]);
  });
});
