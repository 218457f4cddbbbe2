import { describe, expect, it } from 'vitest';
import { bucketStarts, instantToWall, previousRange, resolveRange, toWall } from './dates.js';

describe('wall-time ranges', () => {
  it('reads dates in the project zone; a date-only end includes the day', () => {
    expect(resolveRange('2026-10-01', '2026-10-03', 'Europe/Berlin')).toEqual({
      from: '2026-10-01 00:00:00.000000',
      to: '2026-10-04 00:00:00.000000',
    });
  });
  it('converts instants with an offset to wall time in the zone', () => {
    expect(toWall('2026-10-10T23:30:00Z', 'Europe/Berlin', false)).toBe('2026-10-11 01:30:00.000000');
    expect(toWall('2026-10-10T23:30:00+02:00', 'UTC', false)).toBe('2026-10-10 21:30:00.000000');
  });
  it('resolves relative dates against now in the zone', () => {
    const now = Date.parse('2026-11-22T03:00:00Z'); // still the 21st in New York
    expect(toWall('-7d', 'America/New_York', false, now)).toBe('2026-11-14 00:00:00.000000');
    expect(toWall('-24h', 'UTC', false, now)).toBe('2026-11-21 03:00:00.000000');
    expect(toWall('-1m', 'UTC', false, now)).toBe('2026-10-22 00:00:00.000000');
  });
  it('knows the wall time across a DST change', () => {
    expect(instantToWall(Date.parse('2026-11-01T05:30:00Z'), 'America/New_York')).toBe('2026-11-01 01:30:00.000000');
    expect(instantToWall(Date.parse('2026-11-01T06:30:00Z'), 'America/New_York')).toBe('2026-11-01 01:30:00.000000');
  });
});

describe('buckets', () => {
  const range = { from: '2026-10-28 00:00:00.000000', to: '2026-11-04 00:00:00.000000' };
  it('aligns weeks to Monday and months to the first', () => {
    expect(bucketStarts(range, 'week')).toEqual(['2026-10-26 00:00:00.000000', '2026-11-02 00:00:00.000000']);
    expect(bucketStarts(range, 'month')).toEqual(['2026-10-01 00:00:00.000000', '2026-11-01 00:00:00.000000']);
    expect(bucketStarts(range, 'day')).toHaveLength(7);
    expect(bucketStarts({ from: range.from, to: '2026-10-28 05:00:00.000000' }, 'hour')).toHaveLength(5);
  });
  it('refuses more buckets than the limit', () => {
    expect(() => bucketStarts({ from: '2020-01-01 00:00:00', to: '2026-01-01 00:00:00' }, 'hour', 100)).toThrow(RangeError);
  });
  it('puts the previous period right before', () => {
    expect(previousRange(range)).toEqual({ from: '2026-10-21 00:00:00.000000', to: range.from });
  });
});
