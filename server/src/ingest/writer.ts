import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../log.js';
import type { TenantStores } from '../tenancy/stores.js';
import { toClickHouseTime } from './clickhouse-time.js';
import type { DeadLetter, IngestEvent } from './event.js';
import { eventColumns } from './event.columns.js';
import { resolvePersons, type PersonChanges, type PersonLoader, type PersonRow } from './persons.resolve.js';

export interface EventWriterDeps {
  tenants: TenantStores;
  log: Logger;
}

export interface EventWriter {
  /**
   * Resolves persons, fills the common columns and inserts the events into `events`.
   * Resolves only when ClickHouse accepted the insert. `deduplicationToken` must be the same
   * when the same batch is retried (e.g. derived from topic/partition/offset range).
   */
  write(events: IngestEvent[], opts: { deduplicationToken: string }): Promise<void>;
  /** Inserts rejected items into the dead-letter table. */
  writeDeadLetters(rows: DeadLetter[]): Promise<void>;
}

/** A bounded map: when full it starts over (the database stays the source of truth). */
class Cache<V> {
  private map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string) {
    return this.map.get(k);
  }
  set(k: string, v: V) {
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(k, v);
  }
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Microsecond clock that never goes backwards in this process: the version of person rows. */
function versionClock() {
  let last = 0;
  return () => {
    last = Math.max(last + 1, Date.now() * 1000);
    return last;
  };
}

/** Reads committed person state from ClickHouse, through a cache of what this writer has seen. */
function clickhouseLoader(client: ClickHouseClient, database: string, ids: Cache<string>, people: Cache<PersonRow>): PersonLoader {
  const rows = async <T>(query: string, params: Record<string, unknown>) =>
    (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
  return {
    async personIds(projectId, distinctIds) {
      const out = new Map<string, string>();
      const missing: string[] = [];
      for (const d of distinctIds) {
        const hit = ids.get(`${projectId}\u0000${d}`);
        if (hit) out.set(d, hit);
        else missing.push(d);
      }
      if (missing.length > 0) {
        const found = await rows<{ distinct_id: string; person_id: string }>(
          `SELECT distinct_id, argMax(person_id, version) AS person_id FROM ${database}.person_distinct_ids
            WHERE project_id = {projectId:UUID} AND distinct_id IN {ids:Array(String)} GROUP BY distinct_id`,
          { projectId, ids: missing },
        );
        for (const r of found) {
          out.set(r.distinct_id, r.person_id);
          ids.set(`${projectId}\u0000${r.distinct_id}`, r.person_id);
        }
      }
      return out;
    },
    async distinctIdsOf(projectId, personId) {
      const found = await rows<{ distinct_id: string }>(
        // Ids that ever pointed to the person (skip index on person_id), kept if they still do.
        `SELECT distinct_id FROM (
           SELECT distinct_id, argMax(person_id, version) AS pid FROM ${database}.person_distinct_ids
            WHERE project_id = {projectId:UUID} AND distinct_id IN (
              SELECT distinct_id FROM ${database}.person_distinct_ids WHERE project_id = {projectId:UUID} AND person_id = {personId:UUID})
            GROUP BY distinct_id)
         WHERE pid = {personId:UUID}`,
        { projectId, personId },
      );
      return found.map((r) => r.distinct_id);
    },
    async persons(projectId, personIds) {
      const out = new Map<string, PersonRow>();
      const missing: string[] = [];
      for (const id of personIds) {
        const hit = people.get(id);
        if (hit) out.set(id, hit);
        else missing.push(id);
      }
      if (missing.length > 0) {
        const found = await rows<{ id: string; properties: string; created_at: string }>(
          `SELECT id, argMax(properties, version) AS properties, argMax(created_at, version) AS created_at FROM ${database}.persons
            WHERE project_id = {projectId:UUID} AND id IN {ids:Array(UUID)} GROUP BY id`,
          { projectId, ids: missing },
        );
        for (const r of found) {
          const row = { properties: JSON.parse(r.properties) as Record<string, unknown>, createdAt: r.created_at.replace(' ', 'T') + 'Z' };
          out.set(r.id, row);
          people.set(r.id, row);
        }
      }
      return out;
    },
  };
}

/** The one writer every bus (embedded group commit, Kafka consumer) hands its batches to. */
export function createEventWriter(deps: EventWriterDeps): EventWriter {
  const ids = new Cache<string>(200_000);
  const people = new Cache<PersonRow>(50_000);
  const version = versionClock();
  // Person state is read-modify-write: batches are resolved one at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };

  const writePersons = async (client: ClickHouseClient, database: string, projectId: string, changes: PersonChanges) => {
    const v = version();
    const inserts: Promise<unknown>[] = [];
    if (changes.persons.size > 0) {
      inserts.push(
        client.insert({
          table: `${database}.persons`,
          format: 'JSONEachRow',
          values: [...changes.persons].map(([id, p]) => ({
            project_id: projectId,
            id,
            properties: JSON.stringify(p.properties),
            created_at: toClickHouseTime(p.createdAt),
            is_deleted: p.isDeleted ? 1 : 0,
            version: v,
          })),
        }),
      );
    }
    if (changes.distinctIds.size > 0) {
      inserts.push(
        client.insert({
          table: `${database}.person_distinct_ids`,
          format: 'JSONEachRow',
          values: [...changes.distinctIds].map(([distinctId, personId]) => ({ project_id: projectId, distinct_id: distinctId, person_id: personId, version: v })),
        }),
      );
    }
    await Promise.all(inserts);
    for (const [d, p] of changes.distinctIds) ids.set(`${projectId}\u0000${d}`, p);
    for (const [id, p] of changes.persons) people.set(id, { properties: p.properties, createdAt: p.createdAt });
  };

  /** Resolves and writes the persons of one organization's events; returns the event rows to insert. */
  const preparePersons = async (orgId: string, events: IngestEvent[]) => {
    const { client, database } = await deps.tenants.clickhouseFor(orgId);
    const loader = clickhouseLoader(client, database, ids, people);
    let rows = '';
    for (const [projectId, list] of groupBy(events, (e) => e.projectId)) {
      const changes = await resolvePersons(projectId, list, loader);
      await writePersons(client, database, projectId, changes);
      for (let i = 0; i < list.length; i++) rows += eventRowText(list[i]!, changes.personIdOfEvent[i]!);
    }
    return { client, database, rows };
  };

  return {
    async write(events, opts) {
      if (events.length === 0) return;
      const byOrg = groupBy(events, (e) => e.orgId);
      // Persons are read-modify-write, so batches resolve them one at a time; the events
      // inserts that follow may overlap with the next batch's resolution.
      const prepared = await serial(async () => {
        const out: Array<{ client: ClickHouseClient; database: string; rows: string; token: string }> = [];
        for (const [orgId, list] of byOrg) {
          const token = byOrg.size === 1 ? opts.deduplicationToken : `${opts.deduplicationToken}:${orgId}`;
          out.push({ ...(await preparePersons(orgId, list)), token });
        }
        return out;
      });
      await Promise.all(prepared.map(({ client, database, rows, token }) => insertText(client, `${database}.events`, rows, `${dedupSettings(token)}, ${EVENT_ROW_SETTINGS}`)));
    },
    async writeDeadLetters(rows) {
      for (const [orgId, list] of groupBy(rows, (r) => r.orgId)) {
        const { client, database } = await deps.tenants.clickhouseFor(orgId);
        await client.insert({
          table: `${database}.events_dead_letter`,
          format: 'JSONEachRow',
          values: list.map((r) => ({
            project_id: r.projectId,
            received_at: toClickHouseTime(r.receivedAt),
            reason: r.reason,
            detail: r.detail,
            source: r.source,
            payload: r.payload,
          })),
        });
      }
    },
  };
}

const json = JSON.stringify;
/** A JSON object column value: the object itself (read back as its text), or "" when empty. */
const objectField = (o: Record<string, unknown> | undefined) =>
  !o || Object.keys(o).length === 0 ? '""' : Array.isArray(o) ? json(json(o)) : json(o);

/**
 * One JSONEachRow line of the events table, built as text. The JSON columns (properties,
 * person_set, person_set_once) are written as objects, not as JSON strings inside JSON: with
 * `input_format_json_read_objects_as_strings` ClickHouse stores an object's text as sent, i.e.
 * exactly `JSON.stringify(value)`, and the writer skips escaping every property twice.
 */
export function eventRowText(e: IngestEvent, personId: string): string {
  const c = eventColumns(e);
  // The plain columns go through one JSON.stringify of an object (V8's fast path); the JSON
  // columns are spliced in front as raw objects.
  const rest = json({
    project_id: e.projectId,
    uuid: e.uuid,
    event: e.event,
    distinct_id: e.distinctId,
    person_id: personId,
    timestamp: toClickHouseTime(e.timestamp),
    received_at: toClickHouseTime(e.receivedAt),
    url: c.url,
    path: c.path,
    referrer: c.referrer,
    browser: c.browser,
    os: c.os,
    device_type: c.device_type,
    country: c.country,
    session_id: c.session_id,
    lib: c.lib,
    flags: e.flags,
  });
  return `{"properties":${Array.isArray(e.properties) ? json(json(e.properties)) : json(e.properties)},"person_set":${objectField(e.set)},"person_set_once":${objectField(e.setOnce)},${rest.slice(1)}\n`;
}

/** Settings of every events insert: how `eventRowText` lines are read. */
export const EVENT_ROW_SETTINGS = 'input_format_json_read_objects_as_strings = 1';

/**
 * Inserts JSONEachRow text. Settings go in the statement's own SETTINGS clause, never in
 * `clickhouse_settings`: chDB turns those into a session-wide `SET`, and a deduplication token
 * left active that way silently folds every later token-less insert into events.
 */
async function insertText(client: ClickHouseClient, table: string, rows: string, settings?: string): Promise<void> {
  const res = await client.exec({
    query: `INSERT INTO ${table}${settings ? ` SETTINGS ${settings}` : ''} FORMAT JSONEachRow`,
    // A string chunk (encoding set) is not turned into a Buffer and back: chDB takes the text.
    values: Readable.from([rows], { objectMode: false, encoding: 'utf8' }),
  });
  for await (const _ of res.stream); // the (empty) answer: drained so an HTTP socket is released
}

/**
 * The SETTINGS clause of an insert into a deduplicating table. Tokens come from our own code
 * (hashes, topic/partition/offset ranges, org ids); anything outside a plain alphabet is
 * replaced by its hash, so the literal needs no escaping and a retry still gets the same token.
 */
export function dedupSettings(token: string): string {
  const safe = /^[A-Za-z0-9_:.\-]{1,200}$/.test(token) ? token : `h:${createHash('sha256').update(token).digest('hex')}`;
  return `insert_deduplication_token = '${safe}', deduplicate_blocks_in_dependent_materialized_views = 1`;
}
