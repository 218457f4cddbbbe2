import { bucketStarts, type WallRange } from './dates.js';
import type { StickinessQuery, StickinessResult } from './definitions.js';
import { num, type Plan } from './plan.js';
import { bucketExpr, eventsSource, Scope, type CompileEnv } from './sql.js';

/** How many people did the event in exactly 1, 2, … N intervals of the range. */
export function planStickiness(env: CompileEnv, q: StickinessQuery, range: WallRange): Plan<StickinessResult> {
  const s = new Scope(env);
  const src = eventsSource(s, { range, events: [q.event], filters: [...q.filters, ...q.eventFilters] });
  const sql = `SELECT n, count() AS people FROM (SELECT person_id, uniqExact(${bucketExpr(s, q.interval)}) AS n FROM ${src} GROUP BY person_id)
    GROUP BY n ORDER BY n`;
  const total = bucketStarts(range, q.interval).length;
  return {
    queries: [s.done(sql)],
    shape([rows]) {
      const at = new Map(rows!.map((r) => [num(r.n), num(r.people)]));
      const days = Array.from({ length: total }, (_, i) => i + 1);
      return { kind: 'stickiness', interval: q.interval, days, values: days.map((d) => at.get(d) ?? 0) };
    },
  };
}
