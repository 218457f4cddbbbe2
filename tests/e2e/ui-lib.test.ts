import { describe, expect, it } from 'vitest';
import { uiCsp } from '../../server/src/http/app.js';
import { toCsv } from '../../ui/src/lib/query/csv.js';
import { daysBetween, resolveDate, resolveQuery, today } from '../../ui/src/lib/query/dates.js';
import { snippets } from '../../ui/src/lib/snippets.js';

describe('relative date ranges', () => {
  const now = new Date('2026-03-01T02:30:00Z');

  it('resolves against today in the project time zone', () => {
    expect(today('UTC', now)).toBe('2026-03-01');
    // Still February 28th in New York at 02:30 UTC.
    expect(today('America/New_York', now)).toBe('2026-02-28');
    expect(resolveDate('-7d', 'UTC', now)).toBe('2026-02-22');
    expect(resolveDate('-7d', 'America/New_York', now)).toBe('2026-02-21');
    expect(resolveDate('-2w', 'UTC', now)).toBe('2026-02-15');
    expect(resolveDate('-1m', 'UTC', now)).toBe('2026-02-01');
    expect(resolveDate('-1y', 'UTC', now)).toBe('2025-03-01');
    expect(resolveDate('2026-01-05', 'UTC', now)).toBe('2026-01-05');
    expect(resolveDate(undefined, 'UTC', now)).toBeUndefined();
  });

  it('applies dashboard overrides: its range replaces the tile range, its filters add to the tile filters', () => {
    const q = { kind: 'trends', dateFrom: '-30d', dateTo: '2026-02-20', filters: [{ type: 'event', key: 'a', operator: 'eq', value: 1 }] };
    expect(resolveQuery(q, 'UTC', {}, now)).toMatchObject({ dateFrom: '2026-01-30', dateTo: '2026-02-20' });
    const o = resolveQuery(q, 'UTC', { dateFrom: '-7d', filters: [{ type: 'person', key: 'b', operator: 'is_set' }] }, now);
    expect(o.dateFrom).toBe('2026-02-22');
    expect(o).not.toHaveProperty('dateTo');
    expect(o.filters).toHaveLength(2);
    // The saved definition is not changed.
    expect(q.dateFrom).toBe('-30d');
    expect(daysBetween('2026-02-22', undefined, 'UTC')).toBeGreaterThan(1);
    expect(daysBetween('2026-02-22', '2026-02-28', 'UTC')).toBe(7);
  });
});

describe('CSV export', () => {
  it('quotes what needs quoting and keeps numbers as they are', () => {
    const csv = toCsv({ kind: 'top_events', rows: [{ event: 'said "hi", then left', count: 3, lastSeen: '2026-01-01T00:00:00Z' }] });
    expect(csv).toBe('event,count,last_seen\r\n"said ""hi"", then left",3,2026-01-01T00:00:00Z\r\n');
    const funnel = toCsv({
      kind: 'funnel',
      breakdowns: [{ breakdownValue: null, steps: [{ index: 0, event: 'a', count: 10, conversionFromFirst: 1, conversionFromPrevious: 1, medianTimeToConvertSeconds: null, averageTimeToConvertSeconds: null, droppedOff: { total: 0, personIds: [] } }] }],
    });
    expect(funnel.split('\r\n')[1]).toBe(',1,a,10,1,1,,,0');
  });
});

describe('SDK snippets', () => {
  it('point every SDK at this install with the project token, and nothing at a vendor', () => {
    const all = snippets('https://cairn.example.com', 'cairn_pt_abc');
    expect(all.map((s) => s.id)).toEqual(['curl', 'posthog-js', 'posthog-node', 'analytics-js', 'analytics-node']);
    for (const s of all) {
      expect(s.code).toContain('cairn_pt_abc');
      expect(s.code).toMatch(/cairn\.example\.com/);
      expect(s.code).not.toMatch(/posthog\.com|segment\.(com|io)|segmentapis/);
    }
    expect(all[0]!.code).toContain("'https://cairn.example.com/api/v1/capture'");
    expect(all.find((s) => s.id === 'analytics-js')!.code).toContain("apiHost: 'cairn.example.com/v1', protocol: 'https'");
  });
});

describe('the UI Content-Security-Policy header', () => {
  const html = (content: string) => `<meta http-equiv="content-security-policy" content="${content}">`;

  it("adds the build's script hashes to default-src 'self'", () => {
    const csp = uiCsp(html("default-src 'self'; script-src 'self' 'sha256-abc+/='"));
    expect(csp).toMatch(/^default-src 'self';/);
    expect(csp).toMatch(/; script-src 'self' 'sha256-abc\+\/='$/);
  });

  it('ignores anything but self and hashes, and pages without a policy', () => {
    expect(uiCsp(html("script-src 'self' 'unsafe-inline'"))).not.toMatch(/script-src/);
    expect(uiCsp(html("script-src 'self' https://cdn.example.com"))).not.toMatch(/script-src/);
    expect(uiCsp('<html></html>')).not.toMatch(/script-src/);
  });
});
