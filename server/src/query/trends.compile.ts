import { bucketStarts, isoWall, previousRange, wallMs, wallOfMs, type WallRange } from './dates.js';
import { propertyBreakdownOf, type Breakdown, type TrendsQuery, type TrendsResult, type TrendsMath } from './definitions.js';
import { evaluateFormula, parseFormula } from './formula.js';
import { num, type Plan } from './plan.js';
import { bucketExpr, eventsSource, propertyColumn, propertyText, Scope, type CompileEnv, type Compiled } from './sql.js';

const ROLLING_DAYS: Partial<Record<TrendsMath, number>> = { dau: 1, wau: 7, mau: 30 };
export const UNIQUE_MATH = new Set<TrendsMath>(['unique_users', 'dau', 'wau', 'mau']);
export const OTHER = '$other';

type Series = TrendsQuery['series'][number];

/** The series' aggregate function and argument; with the -State / -Merge combinators it is split by breakdown value and merged back. */
function aggregate(s: Scope, series: Series): { fn: string; arg: string } {
  const value = () => `toFloat64OrNull(${propertyText(s, 'properties', series.property!)})`;
  switch (series.math) {
    case 'total':
      return { fn: 'count', arg: '' };
    case 'unique_users':
      return { fn: 'uniqExact', arg: 'person_id' };
    case 'sum':
    case 'avg':
    case 'min':
    case 'max':
      return { fn: series.math, arg: value() };
    case 'p50':
      return { fn: 'quantileExact(0.5)', arg: value() };
    case 'p90':
      return { fn: 'quantileExact(0.9)', arg: value() };
    case 'p99':
      return { fn: 'quantileExact(0.99)', arg: value() };
    default:
      throw new Error(`math ${series.math} is rolling`);
  }
}

const finish = (expr: string) => `toFloat64(ifNull(${expr}, 0))`;

/** `WITH … AS top` (the N largest breakdown values) and the expression of a row's rank in it (0 = other). */
function breakdownParts(s: Scope, b: Breakdown | undefined, topSource: string) {
  if (!b) return { with: '', value: "''", rank: 'toUInt32(0)' };
  const bv = propertyText(s, propertyColumn(b.type), b.key);
  const top = `(SELECT groupArray(bv) FROM (SELECT ${propertyText(s, propertyColumn(b.type), b.key)} AS bv FROM ${topSource}
    GROUP BY bv ORDER BY count() DESC, bv LIMIT ${s.p.add(b.limit, 'UInt32')}))`;
  return { with: `WITH ${top} AS top`, value: bv, rank: `indexOf(top, ${bv})` };
}

/** One series over one period: rows `(bucket, rank, bv, value)`; the row with bucket '' is the total. */
export function compileTrendsSeries(env: CompileEnv, q: TrendsQuery, index: number, range: WallRange): Compiled {
  const s = new Scope(env);
  const series = q.series[index]!;
  const breakdown = propertyBreakdownOf(q.breakdown);
  const needPerson = breakdown?.type === 'person';
  const persons = UNIQUE_MATH.has(series.math);
  const source = () =>
    eventsSource(s, { range, events: [series.event], filters: [...q.filters, ...series.filters], personProperties: needPerson, persons });
  const days = ROLLING_DAYS[series.math];
  if (days === undefined) {
    const agg = aggregate(s, series);
    if (!breakdown) {
      return s.done(`SELECT bucket, toUInt32(0) AS rank, '' AS bv, ${finish(`${agg.fn}(${agg.arg})`)} AS value
        FROM (SELECT *, ${bucketExpr(s, q.interval)} AS bucket FROM ${source()})
        GROUP BY GROUPING SETS ((bucket), ())`);
    }
    // One scan: partial aggregates per (value, bucket), values ranked by event count with a
    // window, everything past the top N merged into "other" (rank 0).
    const b = breakdown;
    return s.done(`SELECT bucket, rank, any(bv) AS bv, ${finish(`${agg.fn}Merge(st)`)} AS value
      FROM (
        SELECT bv, bucket, st, if(r <= ${s.p.add(b.limit, 'UInt32')}, toUInt32(r), toUInt32(0)) AS rank
        FROM (
          SELECT *, dense_rank() OVER (ORDER BY tot DESC, bv) AS r
          FROM (SELECT *, sum(n) OVER (PARTITION BY bv) AS tot FROM (
            SELECT ${propertyText(s, propertyColumn(b.type), b.key)} AS bv, ${bucketExpr(s, q.interval)} AS bucket,
              count() AS n, ${agg.fn}State(${agg.arg}) AS st
            FROM ${source()} GROUP BY bv, bucket
          ))
        )
      )
      GROUP BY GROUPING SETS ((rank, bucket), (rank))`);
  }
  const bd = breakdownParts(s, breakdown, source());
  // Rolling active users: each bucket counts people active in the `days` whole days ending with it.
  const buckets = bucketStarts(range, q.interval);
  const ends = buckets.map((b, i) => {
    const end = i + 1 < buckets.length ? buckets[i + 1]! : range.to;
    const endDay = Math.ceil(wallMs(end) / 86_400_000) * 86_400_000;
    return wallOfMs(endDay).slice(0, 10);
  });
  const starts = ends.map((e) => wallOfMs(wallMs(e) - days * 86_400_000).slice(0, 10));
  const extended: WallRange = { from: `${starts.reduce((a, b) => (a < b ? a : b))} 00:00:00.000000`, to: `${ends[ends.length - 1]} 00:00:00.000000` };
  const labels = s.p.add(buckets.map((b) => b.slice(0, 19)), 'Array(String)');
  const lo = s.p.add(starts, 'Array(Date)');
  const hi = s.p.add(ends, 'Array(Date)');
  const wide = eventsSource(s, { range: extended, events: [series.event], filters: [...q.filters, ...series.filters], personProperties: needPerson });
  return s.done(`${bd.with}
    SELECT ${labels}[bi] AS bucket, rank, any(bv) AS bv, toFloat64(uniqExact(person_id)) AS value
    FROM (
      SELECT person_id, rank, any(bv) AS bv, d FROM (SELECT person_id, toDate(${s.local()}) AS d, ${bd.rank} AS rank, ${bd.value} AS bv FROM ${wide})
      GROUP BY person_id, rank, d
    )
    ARRAY JOIN arrayFilter(i -> d >= ${lo}[i] AND d < ${hi}[i], range(1, length(${labels}) + 1)) AS bi
    GROUP BY bucket, rank
    UNION ALL
    SELECT '' AS bucket, rank, any(bv) AS bv, toFloat64(uniqExact(person_id)) AS value
    FROM (SELECT person_id, ${bd.rank} AS rank, ${bd.value} AS bv FROM ${source()})
    GROUP BY rank`);
}

interface Line {
  seriesIndex: number;
  rank: number;
  breakdownValue: string | null;
  values: number[];
  total: number;
}

function shapeSeries(rows: Record<string, unknown>[], buckets: string[], seriesIndex: number, hasBreakdown: boolean): Line[] {
  const at = new Map(buckets.map((b, i) => [b.slice(0, 19), i]));
  const lines = new Map<number, Line>();
  for (const r of rows) {
    const rank = num(r.rank);
    let line = lines.get(rank);
    if (!line) {
      const bv = String(r.bv ?? '');
      line = {
        seriesIndex,
        rank,
        breakdownValue: !hasBreakdown ? null : rank === 0 ? OTHER : bv === '' ? null : bv,
        values: buckets.map(() => 0),
        total: 0,
      };
      lines.set(rank, line);
    }
    if (r.bucket === '') line.total = num(r.value);
    else {
      const i = at.get(String(r.bucket));
      if (i !== undefined) line.values[i] = num(r.value);
    }
  }
  if (!hasBreakdown && lines.size === 0) lines.set(1, { seriesIndex, rank: 1, breakdownValue: null, values: buckets.map(() => 0), total: 0 });
  return [...lines.values()].sort((a, b) => (a.rank === 0 ? 1 : b.rank === 0 ? -1 : a.rank - b.rank));
}

export function planTrends(env: CompileEnv, q: TrendsQuery, range: WallRange): Plan<Omit<TrendsResult, 'kind'> & { kind: 'trends' }> {
  const periods: Array<{ period: 'current' | 'previous'; range: WallRange }> = [{ period: 'current', range }];
  if (q.compare) periods.push({ period: 'previous', range: previousRange(range) });
  const jobs = periods.flatMap((p) => q.series.map((_, i) => ({ ...p, index: i })));
  const formula = q.formula ? parseFormula(q.formula) : undefined;
  return {
    queries: jobs.map((j) => compileTrendsSeries(env, q, j.index, j.range)),
    shape(rowsets) {
      const out: TrendsResult['series'] = [];
      const current = bucketStarts(range, q.interval);
      periods.forEach((p) => {
        const buckets = bucketStarts(p.range, q.interval);
        const lines = q.series.flatMap((_, i) => {
          const k = jobs.findIndex((j) => j.period === p.period && j.index === i);
          return shapeSeries(rowsets[k]!, buckets, i, !!q.breakdown);
        });
        const labels = buckets.map(isoWall);
        if (formula) {
          const keys = [...new Set(lines.map((l) => l.breakdownValue ?? '\u0000'))];
          for (const key of keys) {
            const of = (i: number) => lines.find((l) => l.seriesIndex === i && (l.breakdownValue ?? '\u0000') === key);
            const vals = buckets.map((_, b) => evaluateFormula(formula, (i) => of(i)?.values[b] ?? 0));
            const total = evaluateFormula(formula, (i) => of(i)?.total ?? 0);
            out.push({ label: q.formula!, seriesIndex: -1, math: 'formula', breakdownValue: key === '\u0000' ? null : key, period: p.period, buckets: labels, values: vals, total });
          }
        } else {
          for (const l of lines) {
            const s = q.series[l.seriesIndex]!;
            out.push({
              label: s.name ?? s.event,
              seriesIndex: l.seriesIndex,
              math: s.math,
              breakdownValue: l.breakdownValue,
              period: p.period,
              buckets: labels,
              values: l.values,
              total: l.total,
            });
          }
        }
      });
      return { kind: 'trends', buckets: current.map(isoWall), series: out };
    },
  };
}
