import type { WallRange } from './dates.js';
import type { EventsQuery, EventsResult, PersonsQuery, PersonsResult } from './definitions.js';
import { num, type Plan } from './plan.js';
import { eventsSource, Scope, type CompileEnv } from './sql.js';

/** ClickHouse's `YYYY-MM-DD HH:MM:SS.ffffff` (UTC column) → ISO 8601. */
export const isoUtc = (v: unknown) => `${String(v).replace(' ', 'T')}Z`;

const parseJson = (v: unknown): Record<string, unknown> => {
  try {
    const o = JSON.parse(String(v || '{}'));
    return o && typeof o === 'object' && !Array.isArray(o) ? o : {};
  } catch {
    return {};
  }
};

export function planEvents(env: CompileEnv, q: EventsQuery, range: WallRange): Plan<EventsResult> {
  const s = new Scope(env);
  const src = () => eventsSource(s, { range, events: q.events, filters: q.filters });
  const dir = q.orderBy === 'timestamp' ? 'ASC' : 'DESC';
  const rows = `SELECT toString(uuid) AS uuid, toString(event) AS event, distinct_id, toString(person_id) AS person_id,
      toString(timestamp) AS ts, properties FROM ${src()}
    ORDER BY timestamp ${dir}, toString(uuid) ${dir}
    LIMIT ${s.p.add(q.limit, 'UInt32')} OFFSET ${s.p.add(q.offset, 'UInt32')}`;
  const total = `SELECT count() AS total FROM ${src()}`;
  return {
    queries: [s.done(rows), { sql: total, params: s.p.values }],
    shape([list, count]) {
      return {
        kind: 'events',
        total: num(count![0]?.total),
        rows: list!.map((r) => ({
          uuid: String(r.uuid),
          event: String(r.event),
          distinctId: String(r.distinct_id),
          personId: String(r.person_id),
          timestamp: isoUtc(r.ts),
          properties: parseJson(r.properties),
        })),
      };
    },
  };
}

const PERSON_ORDER = {
  lastSeen: 'last_seen',
  firstSeen: 'first_seen',
  eventCount: 'event_count',
} as const;

export function planPersons(env: CompileEnv, q: PersonsQuery, range: WallRange): Plan<PersonsResult> {
  const s = new Scope(env);
  const src = eventsSource(s, { range, events: q.events, filters: q.filters, personProperties: true });
  const desc = q.orderBy.startsWith('-');
  const column = PERSON_ORDER[q.orderBy.replace('-', '') as keyof typeof PERSON_ORDER];
  const dir = desc ? 'DESC' : 'ASC';
  const sql = `SELECT toString(person_id) AS id, arraySort(groupUniqArray(distinct_id)) AS distinct_ids, any(person_properties) AS props,
      toString(min(timestamp)) AS first_seen, toString(max(timestamp)) AS last_seen, count() AS event_count, count() OVER () AS total
    FROM ${src} GROUP BY person_id
    ORDER BY ${column} ${dir}, id ${dir}
    LIMIT ${s.p.add(q.limit, 'UInt32')} OFFSET ${s.p.add(q.offset, 'UInt32')}`;
  return {
    queries: [s.done(sql)],
    shape([rows]) {
      return {
        kind: 'persons',
        total: num(rows![0]?.total),
        rows: rows!.map((r) => ({
          id: String(r.id),
          distinctIds: (r.distinct_ids as string[]).map(String),
          properties: parseJson(r.props),
          firstSeen: isoUtc(r.first_seen),
          lastSeen: isoUtc(r.last_seen),
          eventCount: num(r.event_count),
        })),
      };
    },
  };
}
