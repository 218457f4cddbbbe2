import { describe, expect, it } from 'vitest';
import type { IngestEvent } from '../event.js';
import { HEADER, UNKNOWN_TENANT, deadLetterOf, decodeEvent, encodeEvent, payloadText } from './message.codec.js';

const event: IngestEvent = {
  uuid: '0b7f4a3e-9d8c-4c2b-8a1e-2f3d4c5b6a79',
  projectId: '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  orgId: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d',
  event: 'signed up',
  distinctId: 'user ☃ 1',
  timestamp: '2026-01-02T03:04:05.123456Z',
  receivedAt: '2026-01-02T03:04:06.000Z',
  properties: { plan: 'pro', nested: { a: [1, null] } },
  set: { email: 'a@b.c' },
  flags: ['timestamp_clamped'],
};

describe('Kafka message codec', () => {
  it('keys by project and distinct id, carries the tenant in headers, and round-trips the event', () => {
    const m = encodeEvent(event);
    expect(m.key).toBe(`${event.projectId}:${event.distinctId}`);
    expect(m.headers).toMatchObject({ [HEADER.orgId]: event.orgId, [HEADER.projectId]: event.projectId });
    expect(decodeEvent(Buffer.from(m.value))).toEqual({ ok: true, event });
  });

  it('keeps fields it does not know (a newer gateway may add some)', () => {
    const d = decodeEvent(Buffer.from(JSON.stringify({ ...event, ip: '203.0.113.9' })));
    expect(d.ok && (d.event as unknown as { ip: string }).ip).toBe('203.0.113.9');
  });

  it('names what is wrong with a bad message instead of throwing', () => {
    expect(decodeEvent(null)).toMatchObject({ ok: false, reason: 'empty_message' });
    expect(decodeEvent(Buffer.from('{"uuid":'))).toMatchObject({ ok: false, reason: 'unparseable_message' });
    expect(decodeEvent(Buffer.from('[1,2]'))).toMatchObject({ ok: false, reason: 'invalid_event' });
    const bad = decodeEvent(Buffer.from(JSON.stringify({ ...event, uuid: 'nope', timestamp: '3000-01-01T00:00:00Z', properties: [] })));
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.reason).toBe('invalid_event');
      expect(bad.detail).toMatch(/uuid/);
      expect(bad.detail).toMatch(/timestamp/);
      expect(bad.detail).toMatch(/properties/);
      expect(bad.tenant).toEqual({ orgId: event.orgId, projectId: event.projectId });
    }
  });

  it('dead letters keep the payload (base64 when not UTF-8) and find the tenant from headers, body or neither', () => {
    const junk = Buffer.from([0xc3, 0x28, 0x7b]);
    expect(payloadText(junk)).toBe(`base64:${junk.toString('base64')}`);
    expect(payloadText(Buffer.from('ünïcode ✓'))).toBe('ünïcode ✓');
    const at = '2026-01-01T00:00:00.000Z';
    const fromHeaders = deadLetterOf({ value: junk, headers: { [HEADER.orgId]: Buffer.from(event.orgId), [HEADER.projectId]: event.projectId } }, { reason: 'unparseable_message', detail: 'x' }, at);
    expect(fromHeaders).toMatchObject({ orgId: event.orgId, projectId: event.projectId, source: 'kafka', receivedAt: at });
    const fromBody = deadLetterOf({ value: Buffer.from('{}') }, { reason: 'invalid_event', detail: 'x', tenant: { orgId: event.orgId, projectId: 'not-a-uuid' } }, at);
    expect(fromBody).toMatchObject({ orgId: event.orgId, projectId: UNKNOWN_TENANT });
  });
});
