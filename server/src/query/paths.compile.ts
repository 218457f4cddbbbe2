import type { WallRange } from './dates.js';
import type { PathsQuery, PathsResult } from './definitions.js';
import { num, type Plan } from './plan.js';
import { eventsSource, Scope, type CompileEnv } from './sql.js';

/**
 * Each person's events in time order, consecutive repeats collapsed, cut to `depth` nodes:
 * from the first `startEvent`, up to the first `endEvent`, or from the first event.
 * Edges (step i → i+1) are counted in people; the top `edgeLimit` are returned.
 */
export function planPaths(env: CompileEnv, q: PathsQuery, range: WallRange): Plan<PathsResult> {
  const s = new Scope(env);
  const depth = s.p.add(q.depth, 'Int64');
  const src = eventsSource(s, { range, events: q.includeEvents, filters: q.filters });
  let path: string;
  if (q.startEvent) {
    const at = `indexOf(evs, ${s.p.add(q.startEvent, 'String')})`;
    path = `if(${at} = 0, CAST([], 'Array(String)'), arraySlice(evs, ${at}, ${depth}))`;
  } else if (q.endEvent) {
    const at = `indexOf(evs, ${s.p.add(q.endEvent, 'String')})`;
    path = `if(${at} = 0, CAST([], 'Array(String)'), arraySlice(evs, greatest(1, ${at} - ${depth} + 1), least(${at}, ${depth})))`;
  } else path = `arraySlice(evs, 1, ${depth})`;
  const sql = `SELECT e.1 AS step, e.2 AS source, e.3 AS target, count() AS people FROM (
      SELECT ${path} AS path FROM (
        SELECT arrayFilter((x, i) -> i = 1 OR x != raw[i - 1], raw, arrayEnumerate(raw)) AS evs FROM (
          SELECT arrayMap(x -> x.2, arraySort(groupArray((timestamp, toString(event))))) AS raw FROM ${src} GROUP BY person_id
        )
      )
    )
    ARRAY JOIN arrayMap(i -> (i, path[i], path[i + 1]), range(1, length(path))) AS e
    GROUP BY step, source, target
    ORDER BY people DESC, step, source, target
    LIMIT ${s.p.add(q.edgeLimit, 'UInt32')}`;
  return {
    queries: [s.done(sql)],
    shape([rows]) {
      const nodes = new Map<string, { id: string; step: number; event: string }>();
      const edges = rows!.map((r) => {
        const step = num(r.step);
        const source = `${step}_${r.source}`;
        const target = `${step + 1}_${r.target}`;
        nodes.set(source, { id: source, step, event: String(r.source) });
        nodes.set(target, { id: target, step: step + 1, event: String(r.target) });
        return { source, target, value: num(r.people) };
      });
      return { kind: 'paths', nodes: [...nodes.values()].sort((a, b) => a.step - b.step || a.event.localeCompare(b.event)), edges };
    },
  };
}
