import { wallMs, wallOfMs, type WallRange } from './dates.js';
import type { Filter, PropertyFilter } from './definitions.js';
import type { CohortDefinition } from './cohorts/cohort.schema.js';

/** Compiled SQL and the values of its `{name:Type}` parameters. */
export interface Compiled {
  sql: string;
  params: Record<string, unknown>;
}

/** Collects query parameters; every user value enters SQL only through here. */
export class Params {
  readonly values: Record<string, unknown> = {};
  private n = 0;
  add(value: unknown, type: string): string {
    const name = `p${this.n++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

/** What every compiler needs besides the definition: where the data is and whose it is. */
export interface CompileEnv {
  /** Validated configuration, never user input (see config CLICKHOUSE_DATABASE). */
  database: string;
  projectId: string;
  timezone: string;
  /** Saved cohorts referenced by the definition, resolved by the service. */
  cohorts: ReadonlyMap<string, CohortDefinition>;
  /** "Now" as wall time in the project time zone (for cohorts over the last N days). */
  nowWall: string;
}

const ZERO_UUID = "toUUID('00000000-0000-0000-0000-000000000000')";

/** Binds the project, the time zone and the database once per compiled query. */
export class Scope {
  readonly p = new Params();
  readonly project: string;
  readonly tz: string;
  constructor(readonly env: CompileEnv) {
    this.project = this.p.add(env.projectId, 'UUID');
    this.tz = this.p.add(env.timezone, 'String');
  }
  table(name: 'events' | 'persons' | 'person_distinct_ids'): string {
    if (!/^[a-z_][a-z0-9_]*$/.test(this.env.database)) throw new Error('invalid database name');
    return `${this.env.database}.${name}`;
  }
  /** A wall time in the project time zone as a DateTime64 instant. */
  wall(wall: string): string {
    return `toDateTime64(${this.p.add(wall, 'String')}, 6, ${this.tz})`;
  }
  /** An instant expressed in the project time zone (for bucketing). */
  local(expr = 'timestamp'): string {
    return `toTimeZone(${expr}, ${this.tz})`;
  }
  done(sql: string): Compiled {
    return { sql, params: this.p.values };
  }
}

export interface SourceOptions {
  range: WallRange;
  /** Restrict to these event names (pruned by the sorting key). */
  events?: readonly string[];
  /** Filters applied to the rows (AND). */
  filters?: readonly Filter[];
  /** Join the person properties (`person_properties`); implied by a person filter. */
  personProperties?: boolean;
  /**
   * False when the caller never uses `person_id` (event counts and property math without
   * person filters): skips the distinct-id → person join. Implied true by person or cohort filters.
   */
  persons?: boolean;
}

/**
 * Events of one project in a range, deduplicated (FINAL), with `person_id` resolved through
 * the distinct-id → person mapping at query time so merged distinct ids count as one person
 * (an id with no mapping row keeps the person the writer stamped on the event).
 * Every compiler reads events through this and only this: the project scope is not optional.
 */
export function eventsSource(s: Scope, opts: SourceOptions): string {
  const where = [`e.project_id = ${s.project}`, `e.timestamp >= ${s.wall(opts.range.from)}`, `e.timestamp < ${s.wall(opts.range.to)}`];
  if (opts.events && opts.events.length) where.push(`e.event IN ${s.p.add([...new Set(opts.events)], 'Array(String)')}`);
  const filters = opts.filters ?? [];
  const needPersonProps = opts.personProperties || filters.some((f) => f.type === 'person');
  const cond = filters.map((f) => filterExpr(s, f));
  const persons = opts.persons !== false || needPersonProps || filters.some((f) => f.type === 'cohort');
  const inner = persons
    ? `SELECT e.uuid AS uuid, e.event AS event, e.distinct_id AS distinct_id, e.timestamp AS timestamp, e.properties AS properties,
      if(m.person_id != ${ZERO_UUID}, m.person_id, e.person_id) AS person_id
    FROM ${s.table('events')} AS e FINAL
    LEFT JOIN ${personMapping(s)} AS m ON m.distinct_id = e.distinct_id
    WHERE ${where.join(' AND ')}`
    : `SELECT e.uuid AS uuid, e.event AS event, e.distinct_id AS distinct_id, e.timestamp AS timestamp, e.properties AS properties
    FROM ${s.table('events')} AS e FINAL
    WHERE ${where.join(' AND ')}`;
  if (!needPersonProps && !cond.length) return `(${inner})`;
  const join = needPersonProps ? ` LEFT JOIN ${personProperties(s)} AS pp ON pp.id = ev.person_id` : '';
  const cols = needPersonProps ? 'ev.*, pp.person_properties AS person_properties' : 'ev.*';
  return `(SELECT ${cols} FROM (${inner}) AS ev${join}${cond.length ? ` WHERE ${cond.join(' AND ')}` : ''})`;
}

/** distinct_id → current person (highest version), for the project; see migrations/clickhouse/0003. */
export function personMapping(s: Scope): string {
  return `(SELECT distinct_id, argMax(person_id, version) AS person_id FROM ${s.table('person_distinct_ids')}
    WHERE project_id = ${s.project} GROUP BY distinct_id)`;
}

/** person id → current properties (JSON), for the project. */
export function personProperties(s: Scope): string {
  return `(SELECT id, argMax(properties, version) AS person_properties FROM ${s.table('persons')}
    WHERE project_id = ${s.project} GROUP BY id HAVING argMax(is_deleted, version) = 0)`;
}

/**
 * The value of a property as text: strings as themselves, anything else as its JSON.
 * One parse of the document (JSONExtractRaw); a string value is then unquoted on its own.
 */
export function propertyText(s: Scope, column: string, key: string): string {
  const raw = `JSONExtractRaw(${column}, ${s.p.add(key, 'String')})`;
  return `if(startsWith(${raw}, '"'), JSONExtractString(${raw}), ${raw})`;
}

export const propertyColumn = (type: 'event' | 'person') => (type === 'event' ? 'properties' : 'person_properties');

export function propertyFilterExpr(s: Scope, f: PropertyFilter): string {
  const col = propertyColumn(f.type);
  const text = () => propertyText(s, col, f.key);
  const str = (v: unknown) => s.p.add(String(v), 'String');
  switch (f.operator) {
    case 'eq':
      return `(${text()} = ${str(f.value)})`;
    case 'neq':
      return `(${text()} != ${str(f.value)})`;
    case 'contains':
      return `(positionCaseInsensitiveUTF8(${text()}, ${str(f.value)}) > 0)`;
    case 'not_contains':
      return `(positionCaseInsensitiveUTF8(${text()}, ${str(f.value)}) = 0)`;
    case 'regex':
      return `match(${text()}, ${str(f.value)})`;
    case 'gt':
      return `(toFloat64OrNull(${text()}) > ${s.p.add(Number(f.value), 'Float64')})`;
    case 'lt':
      return `(toFloat64OrNull(${text()}) < ${s.p.add(Number(f.value), 'Float64')})`;
    case 'is_set':
      return `JSONHas(${col}, ${s.p.add(f.key, 'String')})`;
    case 'is_not_set':
      return `NOT JSONHas(${col}, ${s.p.add(f.key, 'String')})`;
    case 'in':
      return `(${text()} IN ${s.p.add((f.value as unknown[]).map(String), 'Array(String)')})`;
  }
}

export function filterExpr(s: Scope, f: Filter): string {
  if (f.type === 'cohort') {
    const def = s.env.cohorts.get(f.cohortId);
    if (!def) throw new Error(`cohort ${f.cohortId} was not resolved`);
    return `(person_id ${f.operator === 'in' ? 'IN' : 'NOT IN'} ${cohortMembers(s, def)})`;
  }
  return propertyFilterExpr(s, f);
}

/** The person ids of a saved cohort, as a subquery. */
export function cohortMembers(s: Scope, def: CohortDefinition): string {
  if (def.type === 'person') {
    const cond = def.filters.map((f) => propertyFilterExpr(s, { ...f, type: 'person' }));
    return `(SELECT id FROM ${personProperties(s)} ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''})`;
  }
  const fromWall = wallOfMs(wallMs(s.env.nowWall) - def.days * 86_400_000);
  const src = eventsSource(s, {
    range: { from: fromWall, to: s.env.nowWall },
    events: [def.event],
    filters: def.filters.map((f) => ({ ...f })),
  });
  return `(SELECT person_id FROM ${src} GROUP BY person_id HAVING count() >= ${s.p.add(def.minCount, 'UInt64')})`;
}

/** Bucket start (wall time in the project zone) of a DateTime64, as `YYYY-MM-DD HH:MM:SS`. */
export function bucketExpr(s: Scope, unit: 'hour' | 'day' | 'week' | 'month', ts = 'timestamp'): string {
  const local = s.local(ts);
  if (unit === 'hour') return `formatDateTime(toStartOfHour(${local}), '%Y-%m-%d %H:00:00')`;
  const day = unit === 'day' ? `toDate(${local})` : unit === 'week' ? `toMonday(${local})` : `toStartOfMonth(${local})`;
  return `concat(toString(${day}), ' 00:00:00')`;
}
