/**
 * The same query definitions computed the straightforward way: plain TypeScript loops over the
 * deduplicated events in memory. Independent of the compilers (no SQL, no shared helpers beyond
 * the zod schema that fills defaults), so a disagreement means one of the two is wrong.
 */
import type { DataSet, GenEvent } from './dataset.js';

type Props = Record<string, unknown>;
type Filter =
  | { type: 'event' | 'person'; key: string; operator: string; value?: unknown }
  | { type: 'cohort'; cohortId: string; operator: 'in' | 'not_in' };
type CohortDef =
  | { type: 'behavioral'; event: string; filters: Filter[]; minCount: number; days: number }
  | { type: 'person'; filters: Filter[] };

export interface Ev {
  e: GenEvent;
  person: string;
  wall: string;
  props: Props;
  pprops: Props;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const DAY_MS = 86_400_000;

export function wallIn(tz: string) {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  return (us: number) => {
    const p = Object.fromEntries(f.formatToParts(new Date(Math.floor(us / 1000))).map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}.${pad(((us % 1e6) + 1e6) % 1e6, 6)}`;
  };
}

const ms = (wall: string) => Date.UTC(+wall.slice(0, 4), +wall.slice(5, 7) - 1, +wall.slice(8, 10), +(wall.slice(11, 13) || 0), +(wall.slice(14, 16) || 0), +(wall.slice(17, 19) || 0));
const wallOf = (t: number) => {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.000000`;
};
const dateOnly = (wall: string) => wall.slice(0, 10);

export function rangeOf(dateFrom: string, dateTo: string) {
  return { from: `${dateFrom} 00:00:00.000000`, to: wallOf(ms(dateTo) + DAY_MS) };
}

type Unit = 'hour' | 'day' | 'week' | 'month';
export function bucketOf(wall: string, unit: Unit): string {
  if (unit === 'hour') return `${wall.slice(0, 13)}:00:00`;
  const t = ms(dateOnly(wall));
  if (unit === 'day') return `${dateOnly(wall)} 00:00:00`;
  if (unit === 'week') {
    const dow = (new Date(t).getUTCDay() + 6) % 7;
    return `${dateOnly(wallOf(t - dow * DAY_MS))} 00:00:00`;
  }
  return `${wall.slice(0, 7)}-01 00:00:00`;
}
function nextBucket(b: string, unit: Unit): string {
  const t = ms(b);
  if (unit === 'hour') return wallOf(t + 3_600_000).slice(0, 19);
  if (unit === 'day') return wallOf(t + DAY_MS).slice(0, 19);
  if (unit === 'week') return wallOf(t + 7 * DAY_MS).slice(0, 19);
  const d = new Date(t);
  return wallOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).slice(0, 19);
}
export function buckets(range: { from: string; to: string }, unit: Unit): string[] {
  const out: string[] = [];
  for (let b = bucketOf(range.from, unit); b < range.to.slice(0, 19); b = nextBucket(b, unit)) out.push(b);
  return out;
}
const periodIndex = (wall: string, unit: Exclude<Unit, 'hour'>): number => {
  const b = bucketOf(wall, unit);
  if (unit === 'month') return +b.slice(0, 4) * 12 + +b.slice(5, 7) - 1;
  const day = Math.floor(ms(b) / DAY_MS);
  return unit === 'day' ? day : Math.floor(day / 7);
};

export const text = (props: Props | undefined, key: string): string => {
  const v = props?.[key];
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
};
const toNum = (s: string): number | null => (/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(s) ? Number(s) : null);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const quantile = (xs: number[], q: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const median = (xs: number[]) => quantile(xs, 0.5);

export class Oracle {
  readonly evs: Ev[];
  constructor(
    readonly ds: DataSet,
    readonly tz: string,
    readonly cohorts: Map<string, CohortDef> = new Map(),
    readonly nowWall = '2100-01-01 00:00:00.000000',
  ) {
    const wall = wallIn(tz);
    const pp = new Map(ds.persons.filter((p) => !p.isDeleted).map((p) => [p.id, p.properties]));
    this.evs = ds.events
      .map((e) => {
        const person = ds.mapping.get(e.distinctId) ?? e.personId;
        return { e, person, wall: wall(e.tsUs), props: e.properties, pprops: pp.get(person) ?? {} };
      })
      .sort((a, b) => a.e.tsUs - b.e.tsUs || cmp(a.e.event, b.e.event));
  }

  match(ev: Ev, f: Filter): boolean {
    if (f.type === 'cohort') {
      const inIt = this.members(this.cohorts.get(f.cohortId)!).has(ev.person);
      return f.operator === 'in' ? inIt : !inIt;
    }
    const props = f.type === 'event' ? ev.props : ev.pprops;
    const t = text(props, f.key);
    const v = f.value;
    switch (f.operator) {
      case 'eq':
        return t === String(v);
      case 'neq':
        return t !== String(v);
      case 'contains':
        return t.toLowerCase().includes(String(v).toLowerCase());
      case 'not_contains':
        return !t.toLowerCase().includes(String(v).toLowerCase());
      case 'regex':
        return new RegExp(String(v)).test(t);
      case 'gt': {
        const n = toNum(t);
        return n !== null && n > Number(v);
      }
      case 'lt': {
        const n = toNum(t);
        return n !== null && n < Number(v);
      }
      case 'is_set':
        return props !== undefined && f.key in props;
      case 'is_not_set':
        return !(props !== undefined && f.key in props);
      case 'in':
        return (v as unknown[]).map(String).includes(t);
    }
    throw new Error(`operator ${f.operator}`);
  }

  private memberCache = new Map<CohortDef, Set<string>>();
  members(def: CohortDef): Set<string> {
    let m = this.memberCache.get(def);
    if (m) return m;
    m = new Set<string>();
    if (def.type === 'person') {
      for (const p of this.ds.persons)
        if (!p.isDeleted && def.filters.every((f) => this.match({ pprops: p.properties } as Ev, { ...f, type: 'person' } as Filter))) m.add(p.id);
    } else {
      const from = wallOf(ms(this.nowWall) - def.days * DAY_MS);
      const counts = new Map<string, number>();
      for (const ev of this.evs)
        if (ev.e.event === def.event && ev.wall >= from && ev.wall < this.nowWall && def.filters.every((f) => this.match(ev, f)))
          counts.set(ev.person, (counts.get(ev.person) ?? 0) + 1);
      for (const [p, c] of counts) if (c >= def.minCount) m.add(p);
    }
    this.memberCache.set(def, m);
    return m;
  }

  select(range: { from: string; to: string }, events: string[] | undefined, filters: Filter[]): Ev[] {
    return this.evs.filter(
      (ev) => ev.wall >= range.from && ev.wall < range.to && (!events || events.includes(ev.e.event)) && filters.every((f) => this.match(ev, f)),
    );
  }

  /* ------------------------------------------------------------------ trends */
  trends(q: any) {
    const range = rangeOf(q.dateFrom, q.dateTo);
    const periods = [{ period: 'current', range }];
    if (q.compare) {
      const len = ms(range.to) - ms(range.from);
      periods.push({ period: 'previous', range: { from: wallOf(ms(range.from) - len), to: range.from } });
    }
    const out: any[] = [];
    for (const p of periods) {
      const bs = buckets(p.range, q.interval);
      const lines: any[] = [];
      q.series.forEach((s: any, si: number) => {
        const rows = this.select(p.range, [s.event], [...q.filters, ...s.filters]);
        const bvOf = (ev: Ev) => (q.breakdown ? text(q.breakdown.type === 'event' ? ev.props : ev.pprops, q.breakdown.key) : '');
        let top: string[] = [];
        if (q.breakdown) {
          const c = new Map<string, number>();
          for (const ev of rows) c.set(bvOf(ev), (c.get(bvOf(ev)) ?? 0) + 1);
          top = [...c].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])).slice(0, q.breakdown.limit).map((x) => x[0]);
        }
        const rankOf = (ev: Ev) => (q.breakdown ? top.indexOf(bvOf(ev)) + 1 : 0);
        const ranks = new Map<number, { bv: string; byBucket: Map<string, Ev[]>; all: Ev[] }>();
        const ensure = (rk: number, bv: string) => {
          let g = ranks.get(rk);
          if (!g) ranks.set(rk, (g = { bv, byBucket: new Map(), all: [] }));
          return g;
        };
        for (const ev of rows) {
          const g = ensure(rankOf(ev), bvOf(ev));
          g.all.push(ev);
          const b = bucketOf(ev.wall, q.interval);
          g.byBucket.set(b, [...(g.byBucket.get(b) ?? []), ev]);
        }
        const agg = (list: Ev[]): number => {
          const vals = () => list.map((ev) => toNum(text(ev.props, s.property))).filter((x): x is number => x !== null);
          switch (s.math) {
            case 'total':
              return list.length;
            case 'unique_users':
            case 'dau':
            case 'wau':
            case 'mau':
              return new Set(list.map((ev) => ev.person)).size;
            case 'sum':
              return vals().reduce((a, b) => a + b, 0);
            case 'avg': {
              const v = vals();
              return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
            }
            case 'min':
              return vals().length ? Math.min(...vals()) : 0;
            case 'max':
              return vals().length ? Math.max(...vals()) : 0;
            case 'p50':
              return quantile(vals(), 0.5);
            case 'p90':
              return quantile(vals(), 0.9);
            case 'p99':
              return quantile(vals(), 0.99);
          }
          throw new Error(s.math);
        };
        const rolling = ({ dau: 1, wau: 7, mau: 30 } as Record<string, number>)[s.math];
        if (rolling) {
          // Windows of whole days ending with each bucket (the last one with the range).
          const ends = bs.map((b, i) => {
            const end = i + 1 < bs.length ? bs[i + 1]! : p.range.to;
            return dateOnly(wallOf(Math.ceil(ms(end) / DAY_MS) * DAY_MS));
          });
          const wide = this.select({ from: '0000', to: `${ends[ends.length - 1]} 00:00:00.000000` }, [s.event], [...q.filters, ...s.filters]);
          for (const ev of wide) ensure(rankOf(ev), bvOf(ev));
          for (const [rk, g] of ranks) {
            g.byBucket = new Map();
            bs.forEach((b, i) => {
              const lo = dateOnly(wallOf(ms(ends[i]!) - rolling * DAY_MS));
              g.byBucket.set(b, wide.filter((ev) => rankOf(ev) === rk && dateOnly(ev.wall) >= lo && dateOnly(ev.wall) < ends[i]!));
            });
          }
        }
        if (!q.breakdown && ranks.size === 0) ensure(0, '');
        const order = [...ranks.keys()].sort((a, b) => (a === 0 && q.breakdown ? 1 : b === 0 && q.breakdown ? -1 : a - b));
        for (const rk of order) {
          const g = ranks.get(rk)!;
          lines.push({
            seriesIndex: si,
            breakdownValue: !q.breakdown ? null : rk === 0 ? '$other' : g.bv === '' ? null : g.bv,
            values: bs.map((b) => agg(g.byBucket.get(b) ?? [])),
            total: agg(g.all),
          });
        }
      });
      if (q.formula) {
        const keys = [...new Set(lines.map((l) => l.breakdownValue))];
        const f = (get: (i: number) => number) => evalFormula(q.formula, get);
        for (const k of keys) {
          const of = (i: number) => lines.find((l) => l.seriesIndex === i && l.breakdownValue === k);
          out.push({
            period: p.period,
            breakdownValue: k,
            values: bs.map((_, b) => f((i) => of(i)?.values[b] ?? 0)),
            total: f((i) => of(i)?.total ?? 0),
          });
        }
      } else for (const l of lines) out.push({ period: p.period, ...l });
    }
    return out;
  }

  /* ------------------------------------------------------------------ funnel */
  funnel(q: any) {
    const range = rangeOf(q.dateFrom, q.dateTo);
    const n = q.steps.length;
    const W = q.window.value * { minute: 60e6, hour: 3600e6, day: 86400e6, week: 7 * 86400e6 }[q.window.unit as 'day']!;
    const matches = (ev: Ev, st: any) => ev.e.event === st.event && st.filters.every((f: Filter) => this.match(ev, f));
    const names = [...q.steps, ...q.exclusions].map((s: any) => s.event);
    const rows = this.select(range, q.order === 'strict' ? undefined : names, q.filters);
    const byPerson = new Map<string, Ev[]>();
    for (const ev of rows) byPerson.set(ev.person, [...(byPerson.get(ev.person) ?? []), ev]);
    const bvOf = (ev: Ev) => (q.breakdown ? text(q.breakdown.type === 'event' ? ev.props : ev.pprops, q.breakdown.key) : '');
    let top: string[] = [];
    if (q.breakdown) {
      const c = new Map<string, Set<string>>();
      for (const ev of rows) if (matches(ev, q.steps[0])) c.set(bvOf(ev), (c.get(bvOf(ev)) ?? new Set()).add(ev.person));
      top = [...c].map(([k, v]) => [k, v.size] as const).sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])).slice(0, q.breakdown.limit).map((x) => x[0]);
    }
    const people: Array<{ person: string; level: number; tt: number[]; rank: number; bv: string }> = [];
    for (const [person, list] of byPerson) {
      // In `any` order a person enters with whichever step comes first; otherwise with step 0.
      const first0 = list.find((ev) => matches(ev, q.steps[0]));
      if (!first0 && q.order !== 'any') continue;
      const bv = first0 ? bvOf(first0) : '';
      let level = 0;
      let tt: number[] = [];
      if (q.order === 'any') {
        for (const a of list) {
          const seen = new Set<number>();
          for (const y of list)
            if (y.e.tsUs >= a.e.tsUs && y.e.tsUs - a.e.tsUs <= W) q.steps.forEach((st: any, i: number) => matches(y, st) && seen.add(i));
          level = Math.max(level, seen.size);
        }
      } else {
        let live: number[][] = Array.from({ length: n }, () => []);
        const best: number[][] = Array.from({ length: n }, () => []);
        for (const ev of list) {
          const t = ev.e.tsUs;
          const next = live.map((c) => c);
          for (let i = 0; i < n; i++) {
            const ext = matches(ev, q.steps[i]) && (i === 0 || (live[i - 1]!.length > 0 && t - live[i - 1]![0]! <= W));
            if (ext) {
              next[i] = i === 0 ? [t] : [...live[i - 1]!, t];
              best[i] = next[i]!;
            } else if (q.order === 'strict') next[i] = [];
            else
              for (const [j, x] of q.exclusions.entries())
                if (matches(ev, x) && i >= x.fromStep && i < x.toStep) {
                  void j;
                  next[i] = [];
                }
          }
          live = next;
        }
        level = best.filter((c) => c.length).length;
        tt = Array.from({ length: n - 1 }, (_, k) => (level > k + 1 ? (best[k + 1]![k + 1]! - best[k + 1]![k]!) / 1e6 : -1));
      }
      if (level > 0) people.push({ person, level, tt, rank: q.breakdown ? top.indexOf(bv) + 1 : 0, bv });
    }
    const groups = new Map<number, typeof people>();
    for (const p of people) groups.set(p.rank, [...(groups.get(p.rank) ?? []), p]);
    if (!q.breakdown && groups.size === 0) groups.set(0, []);
    const order = [...groups.keys()].sort((a, b) => (a === 0 ? 1 : b === 0 ? -1 : a - b));
    return order.map((rk) => {
      const ps = groups.get(rk)!;
      const bv = ps[0]?.bv ?? '';
      const counts = q.steps.map((_: unknown, k: number) => ps.filter((p) => p.level >= k + 1).length);
      return {
        breakdownValue: !q.breakdown ? null : rk === 0 ? '$other' : bv === '' ? null : bv,
        steps: q.steps.map((st: any, k: number) => {
          const times = ps.filter((p) => p.level >= k + 1).map((p) => p.tt[k - 1]!);
          const timed = k > 0 && q.order !== 'any' && counts[k] > 0;
          const dropped = ps.filter((p) => p.level === k).map((p) => p.person).sort(cmp);
          return {
            index: k,
            event: st.event,
            count: counts[k],
            conversionFromFirst: counts[0] ? counts[k] / counts[0] : 0,
            conversionFromPrevious: k === 0 ? (counts[0] ? 1 : 0) : counts[k - 1] ? counts[k] / counts[k - 1] : 0,
            medianTimeToConvertSeconds: timed ? median(times) : null,
            averageTimeToConvertSeconds: timed ? times.reduce((a, b) => a + b, 0) / times.length : null,
            droppedOff: k === 0 ? { total: 0, personIds: [] } : { total: dropped.length, personIds: dropped.slice(q.droppedOff.offset, q.droppedOff.offset + q.droppedOff.limit) },
          };
        }),
      };
    });
  }

  /* --------------------------------------------------------------- retention */
  retention(q: any) {
    const range = rangeOf(q.dateFrom, q.dateTo);
    const from = bucketOf(range.from, q.period) + '.000000';
    const cohorts = buckets({ from, to: range.to }, q.period);
    const startOk = (ev: Ev) => ev.e.event === q.startEvent.event && [...q.filters, ...q.startEvent.filters].every((f: Filter) => this.match(ev, f));
    const retOk = (ev: Ev) => ev.e.event === q.returnEvent.event && [...q.filters, ...q.returnEvent.filters].every((f: Filter) => this.match(ev, f));
    const starts = new Map<string, Set<number>>();
    if (q.retentionType === 'recurring') {
      for (const ev of this.evs)
        if (ev.wall >= from && ev.wall < range.to && startOk(ev)) starts.set(ev.person, (starts.get(ev.person) ?? new Set()).add(periodIndex(ev.wall, q.period)));
    } else {
      const firstAt = new Map<string, string>();
      for (const ev of this.evs) if (ev.wall < range.to && startOk(ev) && !firstAt.has(ev.person)) firstAt.set(ev.person, ev.wall);
      for (const [p, w] of firstAt) if (w >= from) starts.set(p, new Set([periodIndex(w, q.period)]));
    }
    const returns = new Map<string, Set<number>>();
    for (const ev of this.evs) if (ev.wall >= from && retOk(ev)) returns.set(ev.person, (returns.get(ev.person) ?? new Set()).add(periodIndex(ev.wall, q.period)));
    return cohorts.map((c) => {
      const ci = periodIndex(c, q.period);
      const members = [...starts].filter(([, s]) => s.has(ci)).map(([p]) => p);
      const values = Array.from({ length: q.periods + 1 }, (_, k) =>
        k === 0 ? members.length : members.filter((p) => returns.get(p)?.has(ci + k)).length,
      );
      return { start: c.replace(' ', 'T'), size: members.length, values };
    });
  }

  /* ------------------------------------------------------------------- paths */
  paths(q: any) {
    const range = rangeOf(q.dateFrom, q.dateTo);
    const rows = this.select(range, q.includeEvents, q.filters);
    const byPerson = new Map<string, string[]>();
    for (const ev of rows) byPerson.set(ev.person, [...(byPerson.get(ev.person) ?? []), ev.e.event]);
    const edges = new Map<string, number>();
    for (const raw of byPerson.values()) {
      const evs = raw.filter((x, i) => i === 0 || x !== raw[i - 1]);
      let path: string[];
      if (q.startEvent) {
        const at = evs.indexOf(q.startEvent);
        path = at < 0 ? [] : evs.slice(at, at + q.depth);
      } else if (q.endEvent) {
        const at = evs.indexOf(q.endEvent);
        path = at < 0 ? [] : evs.slice(Math.max(0, at - q.depth + 1), at + 1);
      } else path = evs.slice(0, q.depth);
      for (let i = 0; i + 1 < path.length; i++) {
        const k = JSON.stringify([i + 1, path[i], path[i + 1]]);
        edges.set(k, (edges.get(k) ?? 0) + 1);
      }
    }
    return [...edges]
      .map(([k, v]) => {
        const [step, s, t] = JSON.parse(k);
        return { source: `${step}_${s}`, target: `${step + 1}_${t}`, value: v, step, s, t };
      })
      .sort((a, b) => b.value - a.value || a.step - b.step || cmp(a.s, b.s) || cmp(a.t, b.t))
      .slice(0, q.edgeLimit)
      .map(({ source, target, value }) => ({ source, target, value }));
  }

  /* -------------------------------------------------------------- stickiness */
  stickiness(q: any) {
    const range = rangeOf(q.dateFrom, q.dateTo);
    const rows = this.select(range, [q.event], [...q.filters, ...q.eventFilters]);
    const per = new Map<string, Set<string>>();
    for (const ev of rows) per.set(ev.person, (per.get(ev.person) ?? new Set()).add(bucketOf(ev.wall, q.interval)));
    const total = buckets(range, q.interval).length;
    const values = Array.from({ length: total }, (_, i) => [...per.values()].filter((s) => s.size === i + 1).length);
    return values;
  }

  /* --------------------------------------------------------------- lifecycle */
  lifecycle(q: any) {
    const range = rangeOf(q.dateFrom, q.dateTo);
    const bs = buckets(range, q.interval);
    const ok = (ev: Ev) => ev.e.event === q.event && [...q.filters, ...q.eventFilters].every((f: Filter) => this.match(ev, f));
    const act = new Map<string, Set<number>>();
    const first = new Map<string, number>();
    const I = bs.map((b) => periodIndex(b, q.interval));
    for (const ev of this.evs) {
      if (ev.wall >= range.to || !ok(ev)) continue;
      const i = periodIndex(ev.wall, q.interval);
      if (!first.has(ev.person)) first.set(ev.person, i);
      if (i >= I[0]! - 1) act.set(ev.person, (act.get(ev.person) ?? new Set()).add(i));
    }
    const res = { new: [] as number[], returning: [] as number[], resurrecting: [] as number[], dormant: [] as number[] };
    for (const i of I) {
      let nw = 0, rt = 0, rs = 0, dm = 0;
      for (const [p, a] of act) {
        if (a.has(i)) {
          if (first.get(p) === i) nw++;
          else if (a.has(i - 1)) rt++;
          else rs++;
        } else if (a.has(i - 1)) dm++;
      }
      res.new.push(nw);
      res.returning.push(rt);
      res.resurrecting.push(rs);
      res.dormant.push(dm === 0 ? 0 : -dm);
    }
    return res;
  }

  /* ---------------------------------------------------------------- listings */
  events(q: any) {
    const rows = this.select(rangeOf(q.dateFrom, q.dateTo), q.events, q.filters);
    const dir = q.orderBy === 'timestamp' ? 1 : -1;
    rows.sort((a, b) => dir * (a.e.tsUs - b.e.tsUs || cmp(a.e.uuid, b.e.uuid)));
    return { total: rows.length, uuids: rows.slice(q.offset, q.offset + q.limit).map((r) => r.e.uuid) };
  }

  persons(q: any) {
    const rows = this.select(rangeOf(q.dateFrom, q.dateTo), q.events, q.filters);
    const per = new Map<string, { id: string; first: number; last: number; count: number; dids: Set<string> }>();
    for (const ev of rows) {
      const p = per.get(ev.person) ?? { id: ev.person, first: Infinity, last: -Infinity, count: 0, dids: new Set<string>() };
      p.first = Math.min(p.first, ev.e.tsUs);
      p.last = Math.max(p.last, ev.e.tsUs);
      p.count++;
      p.dids.add(ev.e.distinctId);
      per.set(ev.person, p);
    }
    const key = q.orderBy.replace('-', '') as 'lastSeen';
    const dir = q.orderBy.startsWith('-') ? -1 : 1;
    const val = (p: any) => (key === 'lastSeen' ? p.last : key === 'firstSeen' ? p.first : p.count);
    const list = [...per.values()].sort((a, b) => dir * (val(a) - val(b) || cmp(a.id, b.id)));
    return {
      total: list.length,
      rows: list.slice(q.offset, q.offset + q.limit).map((p) => ({ id: p.id, eventCount: p.count, distinctIds: [...p.dids].sort(cmp) })),
    };
  }

  /* ------------------------------------------------------------------- churn */
  churnFeatures(asOfWall: string, w: number, filters: Filter[] = [], groupBy?: { type: 'event' | 'person'; key: string }) {
    const mid = wallOf(ms(asOfWall) - w * DAY_MS);
    const from = wallOf(ms(asOfWall) - 2 * w * DAY_MS);
    const asOfUs = this.toUs(asOfWall);
    const per = new Map<string, { last: number; rec: Set<string>; prev: Set<string>; er: number; ep: number }>();
    for (const ev of this.select({ from, to: asOfWall }, undefined, filters)) {
      const id = groupBy ? text(groupBy.type === 'event' ? ev.props : ev.pprops, groupBy.key) : ev.person;
      if (groupBy && id === '') continue;
      const f = per.get(id) ?? { last: 0, rec: new Set<string>(), prev: new Set<string>(), er: 0, ep: 0 };
      f.last = Math.max(f.last, ev.e.tsUs);
      if (ev.wall >= mid) {
        f.rec.add(dateOnly(ev.wall));
        f.er++;
      } else {
        f.prev.add(dateOnly(ev.wall));
        f.ep++;
      }
      per.set(id, f);
    }
    return [...per].map(([id, f]) => {
      const daysSince = (asOfUs - f.last) / 86400e6;
      const R = Math.min(1, daysSince / w);
      const T = f.prev.size > 0 ? Math.max(0, 1 - f.rec.size / f.prev.size) : 0;
      const L = Math.max(0, 1 - f.rec.size / (w / 4));
      return { id, score: Math.round(1000 * (0.5 * R + 0.3 * T + 0.2 * L)) / 10, activeDaysRecent: f.rec.size, activeDaysPrevious: f.prev.size, eventsRecent: f.er, eventsPrevious: f.ep };
    });
  }

  /** Wall time in the oracle's zone → epoch µs (by search: exact outside DST folds). */
  toUs(wall: string): number {
    const w = wallIn(this.tz);
    let guess = ms(wall) * 1000;
    for (let i = 0; i < 3; i++) guess += (ms(wall) - ms(w(guess))) * 1000;
    return guess;
  }
}

export function evalFormula(formula: string, get: (i: number) => number): number {
  const tokens = formula.match(/[A-T]|\d+(?:\.\d+)?|[-+*/()]/g)!;
  let i = 0;
  const expr = (): number => {
    let a = term();
    while (tokens[i] === '+' || tokens[i] === '-') a = tokens[i++] === '+' ? a + term() : a - term();
    return a;
  };
  const term = (): number => {
    let a = factor();
    while (tokens[i] === '*' || tokens[i] === '/') {
      const op = tokens[i++];
      const b = factor();
      a = op === '*' ? a * b : b === 0 ? 0 : a / b;
    }
    return a;
  };
  const factor = (): number => {
    const t = tokens[i++]!;
    if (t === '-') return -factor();
    if (t === '(') {
      const a = expr();
      i++;
      return a;
    }
    if (/^[A-T]$/.test(t)) return get(t.charCodeAt(0) - 65);
    return Number(t);
  };
  return expr();
}
