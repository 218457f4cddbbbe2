import type { ClickHouseClient } from '@clickhouse/client';

/**
 * A seeded random product-analytics data set: people with one or two (merged) distinct ids,
 * sessions of pageview → view_item → add_to_cart → purchase, sign-ups, a feature event,
 * people who stop coming (churners), duplicates re-delivered later, late events inserted
 * last, and a second project with the same distinct ids that must never leak in.
 */

export interface GenEvent {
  uuid: string;
  projectId: string;
  event: string;
  distinctId: string;
  /** The person the writer stamped on the event when it arrived (may be stale after a merge). */
  personId: string;
  /** Microseconds since the epoch, UTC. */
  tsUs: number;
  properties: Record<string, unknown>;
}

export interface GenPerson {
  id: string;
  properties: Record<string, unknown>;
  isDeleted: boolean;
  /** Last day (index) with activity; for churn evaluation. */
  lastDay: number;
}

export interface DataSet {
  projectId: string;
  otherProjectId: string;
  startUs: number;
  days: number;
  /** Unique events of the main project (what a deduplicated read sees). */
  events: GenEvent[];
  /** Every row inserted, duplicates and the other project's rows included, in insert order. */
  inserted: GenEvent[];
  persons: GenPerson[];
  /** distinct id → current person. */
  mapping: Map<string, string>;
}

export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
    uuid: () => {
      const h = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
      h[12] = '4';
      h[16] = ((Math.floor(next() * 4) + 8) as number).toString(16);
      const s = h.join('');
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    },
  };
}

const PATHS = ['/', '/pricing', '/docs', '/blog', '/app', '/app/settings', '/signup', '/checkout'];
const BROWSERS = ['Chrome', 'Firefox', 'Safari', 'Edge', 'Opera'];
const PLANS = ['free', 'pro', 'enterprise'];
const COUNTRIES = ['US', 'DE', 'FR', 'JP', 'BR'];

export interface GenOptions {
  seed?: number;
  users?: number;
  days?: number;
  start?: string;
  projectId: string;
  /** Rough cap for benchmarks: stop adding sessions past this many events. */
  maxEvents?: number;
  /** Number the people from here (to generate a large set in chunks). */
  userOffset?: number;
  /** Leave out the second project's rows. */
  noOtherProject?: boolean;
}

export function generate(opts: GenOptions): DataSet {
  const r = rng(opts.seed ?? 42);
  const users = opts.users ?? 2000;
  const days = opts.days ?? 42;
  const startUs = Date.parse(opts.start ?? '2026-09-14T00:00:00Z') * 1000;
  const DAY = 86_400_000_000;
  const otherProjectId = r.uuid();
  const events: GenEvent[] = [];
  const persons: GenPerson[] = [];
  const mapping = new Map<string, string>();

  for (let u = opts.userOffset ?? 0; u < (opts.userOffset ?? 0) + users; u++) {
    const id = r.uuid();
    const main = `user_${u}`;
    const merged = r.chance(0.15);
    const anon = `anon_${u}_${r.int(1000, 9999)}`;
    const anonPerson = r.uuid();
    const props: Record<string, unknown> = { country: r.pick(COUNTRIES), age: r.int(18, 70), org: `org_${r.int(1, Math.max(2, Math.floor(users / 20)))}` };
    if (r.chance(0.85)) props.plan = r.pick(PLANS);
    if (r.chance(0.5)) props.email = `${main}@${r.pick(['acme.test', 'example.org', 'mail.test'])}`;
    const first = r.int(0, days - 2);
    const churner = r.chance(0.35);
    const last = churner ? r.int(first, days - 1) : days - 1;
    const p = 0.08 + r.next() * 0.6;
    let lastDay = -1;
    let identified = !merged;
    for (let d = first; d <= last; d++) {
      if (d !== first && !r.chance(p)) continue;
      if (opts.maxEvents && events.length >= opts.maxEvents) break;
      lastDay = d;
      const sessions = r.int(1, 2);
      for (let s = 0; s < sessions; s++) {
        let t = startUs + d * DAY + r.int(0, 86_000) * 1_000_000 + r.int(0, 999_999);
        const push = (event: string, properties: Record<string, unknown>) => {
          const useAnon = merged && !identified;
          events.push({
            uuid: r.uuid(),
            projectId: opts.projectId,
            event,
            distinctId: useAnon ? anon : main,
            personId: useAnon ? anonPerson : id,
            tsUs: t,
            properties,
          });
          t += r.int(1, 1800) * 1_000_000 + r.int(0, 999_999);
        };
        const base = () => {
          const o: Record<string, unknown> = { path: r.pick(PATHS) };
          if (r.chance(0.9)) o.browser = r.pick(BROWSERS);
          if (r.chance(0.3)) o.flag = r.chance(0.5);
          return o;
        };
        if (d === first && s === 0) push('signup', { ...base(), source: r.pick(['ads', 'seo', 'referral']) });
        const views = r.int(1, 4);
        for (let i = 0; i < views; i++) push('$pageview', base());
        if (merged && !identified && r.chance(0.5)) identified = true;
        if (r.chance(0.6)) {
          push('view_item', { ...base(), item: `sku_${r.int(1, 40)}`, price: r.chance(0.8) ? r.int(100, 20000) / 100 : String(r.int(1, 99)) });
          if (r.chance(0.5)) {
            push('add_to_cart', base());
            if (r.chance(0.55)) push('purchase', { ...base(), amount: r.int(500, 50000) / 100 });
          }
        }
        if (r.chance(0.25)) push('feature_x', { ...base(), variant: r.pick(['a', 'b']) });
      }
    }
    persons.push({ id, properties: props, isDeleted: false, lastDay });
    mapping.set(main, id);
    if (merged) {
      mapping.set(anon, id);
      persons.push({ id: anonPerson, properties: {}, isDeleted: true, lastDay: -1 });
    }
  }

  // Insert order: shuffled batches; 3% re-delivered later (duplicates), 2% held back to the end (late).
  const inserted: GenEvent[] = [];
  const late: GenEvent[] = [];
  const shuffled = [...events];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  for (const e of shuffled) {
    if (r.chance(0.02)) late.push(e);
    else inserted.push(e);
    if (r.chance(0.03)) late.push({ ...e });
  }
  inserted.push(...late);
  for (let i = 0; i < (opts.noOtherProject ? 0 : Math.min(2000, events.length)); i++) {
    const e = events[i]!;
    inserted.push({ ...e, uuid: r.uuid(), projectId: otherProjectId });
  }
  return { projectId: opts.projectId, otherProjectId, startUs, days, events, inserted, persons, mapping };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
export function chTime(us: number): string {
  const ms = Math.floor(us / 1000);
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(us % 1_000_000, 6)}`;
}

export function eventRow(e: GenEvent) {
  return {
    project_id: e.projectId,
    uuid: e.uuid,
    event: e.event,
    distinct_id: e.distinctId,
    person_id: e.personId,
    timestamp: chTime(e.tsUs),
    received_at: chTime(e.tsUs),
    properties: JSON.stringify(e.properties),
    url: '',
    path: String(e.properties.path ?? ''),
    referrer: '',
    browser: String(e.properties.browser ?? ''),
    os: '',
    device_type: '',
    country: '',
    session_id: '',
    lib: 'test',
  };
}

/** Loads a data set straight into ClickHouse, in the schema of migrations/clickhouse/0001–0003. */
export async function load(client: ClickHouseClient, database: string, ds: DataSet, batch = 50_000): Promise<void> {
  for (let i = 0; i < ds.inserted.length; i += batch) {
    await client.insert({
      table: `${database}.events`,
      values: ds.inserted.slice(i, i + batch).map(eventRow),
      format: 'JSONEachRow',
    });
  }
  await loadPersons(client, database, ds.projectId, ds.persons, ds.mapping);
  // The mapping as it was before the merges (version 1): the higher version must win.
  const stale = new Map<string, string>();
  for (const e of ds.events) if (ds.mapping.get(e.distinctId) !== e.personId) stale.set(e.distinctId, e.personId);
  if (stale.size)
    await client.insert({
      table: `${database}.person_distinct_ids`,
      values: [...stale].map(([distinct_id, person_id]) => ({ project_id: ds.projectId, distinct_id, person_id, version: 1 })),
      format: 'JSONEachRow',
    });
}

export async function loadPersons(client: ClickHouseClient, database: string, projectId: string, persons: GenPerson[], mapping: Map<string, string>) {
  await client.insert({
    table: `${database}.persons`,
    values: persons.map((p) => ({
      project_id: projectId,
      id: p.id,
      properties: JSON.stringify(p.properties),
      created_at: '2026-01-01 00:00:00.000000',
      is_deleted: p.isDeleted ? 1 : 0,
      version: p.isDeleted ? 2 : 1,
    })),
    format: 'JSONEachRow',
  });
  await client.insert({
    table: `${database}.person_distinct_ids`,
    values: [...mapping].map(([distinct_id, person_id]) => ({ project_id: projectId, distinct_id, person_id, version: 2 })),
    format: 'JSONEachRow',
  });
}
