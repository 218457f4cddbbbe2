import { describe, expect, it } from 'vitest';
import { MAX_FUTURE_MS, parseTime, validateDraft, type Draft } from './event.validate.js';

const receivedAt = new Date('2026-06-01T12:00:00.000Z');
const ctx = { projectId: 'p', orgId: 'o', receivedAt };
const d = (extra: Partial<Draft>): Draft => ({ raw: {}, event: 'e', distinctId: 'd', ...extra });
const ok = (extra: Partial<Draft>) => {
  const v = validateDraft(d(extra), ctx);
  if (!v.ok) throw new Error(`rejected: ${v.reason}`);
  return v.event;
};
const reason = (extra: Partial<Draft>) => {
  const v = validateDraft(d(extra), ctx);
  return v.ok ? 'ok' : v.reason;
};

describe('validateDraft', () => {
  it('rejects events without a usable name or distinct id', () => {
    expect(reason({ event: undefined })).toBe('missing_event');
    expect(reason({ event: '   ' })).toBe('missing_event');
    expect(reason({ event: 7 })).toBe('invalid_event');
    expect(reason({ distinctId: null })).toBe('missing_distinct_id');
    expect(reason({ distinctId: ' ' })).toBe('missing_distinct_id');
    expect(reason({ distinctId: { a: 1 } })).toBe('invalid_distinct_id');
    expect(reason({ properties: [1] })).toBe('invalid_properties');
    expect(reason({ set: 'x' })).toBe('invalid_properties');
    expect(reason({ invalid: { reason: 'custom', detail: '' } })).toBe('custom');
  });

  it('stringifies numeric distinct ids and trims long values to 200 characters', () => {
    expect(ok({ distinctId: 42 }).distinctId).toBe('42');
    expect(ok({ distinctId: 'x'.repeat(500) }).distinctId).toHaveLength(200);
    expect(ok({ event: 'y'.repeat(500) }).event).toHaveLength(200);
  });

  it('computes the timestamp: explicit, sent_at − offset, receipt; Segment skew-corrected', () => {
    expect(ok({ timestamp: '2026-05-01T00:00:00Z' }).timestamp).toBe('2026-05-01T00:00:00.000Z');
    expect(ok({ timestamp: Date.parse('2026-05-01T00:00:00Z') }).timestamp).toBe('2026-05-01T00:00:00.000Z');
    expect(ok({ offsetMs: 5000, sentAt: '2026-06-01T11:00:05Z' }).timestamp).toBe('2026-06-01T11:00:00.000Z');
    expect(ok({ offsetMs: 5000 }).timestamp).toBe('2026-06-01T11:59:55.000Z');
    expect(ok({}).timestamp).toBe(receivedAt.toISOString());
    // Client clock 1 h behind: its timestamps move forward by the same hour.
    expect(ok({ timestamp: '2026-06-01T10:30:00Z', sentAt: '2026-06-01T11:00:00Z', skewCorrect: true }).timestamp).toBe('2026-06-01T11:30:00.000Z');
  });

  it('rejects unparseable timestamps and clamps far-future ones with a flag', () => {
    expect(reason({ timestamp: 'yesterday' })).toBe('invalid_timestamp');
    expect(reason({ timestamp: '1' })).toBe('invalid_timestamp');
    expect(reason({ timestamp: { t: 1 } })).toBe('invalid_timestamp');
    expect(reason({ timestamp: '1960-01-01T00:00:00Z' })).toBe('invalid_timestamp');
    const soon = new Date(receivedAt.getTime() + MAX_FUTURE_MS - 1000).toISOString();
    expect(ok({ timestamp: soon })).toMatchObject({ timestamp: soon, flags: [] });
    expect(ok({ timestamp: '2099-01-01T00:00:00Z' })).toMatchObject({ timestamp: receivedAt.toISOString(), flags: ['timestamp_clamped'] });
  });

  it('keeps a valid uuid, generates one otherwise', () => {
    expect(ok({ uuid: '0190B1C2-0000-7000-8000-000000000001' }).uuid).toBe('0190b1c2-0000-7000-8000-000000000001');
    const generated = ok({});
    expect(generated.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok({ uuid: 'nope' }).flags).toEqual(['uuid_replaced']);
  });

  it('passes $set and $set_once through, dropping empty ones', () => {
    expect(ok({ set: { a: 1 }, setOnce: {} })).toMatchObject({ set: { a: 1 } });
    expect(ok({ set: { a: 1 }, setOnce: {} }).setOnce).toBeUndefined();
  });

  it('parseTime needs a date-shaped string or a number', () => {
    expect(parseTime('2026-01-01')).toBe(Date.parse('2026-01-01'));
    expect(Number.isNaN(parseTime('12'))).toBe(true);
    expect(Number.isNaN(parseTime(Number.POSITIVE_INFINITY))).toBe(true);
  });
});
