import type { ClickHouseClient } from '@clickhouse/client';
import type { FieldError } from '../http/errors.js';
import type { Reference } from './references.js';

/**
 * What exists in a project's data — event names, property keys — and whether a regex compiles
 * (RE2, by ClickHouse itself). Answers are cached per data-freshness token; a property key once
 * seen is remembered (data that had it does not un-exist except by erasure).
 */
export class Catalog {
  /** Event names seen per project: once seen, an event name stays known. */
  private readonly knownEvents = new Map<string, Set<string>>();
  private readonly missingEvents = new Map<string, string>();
  private readonly seenKeys = new Map<string, { token: string; known: boolean }>();

  async check(client: ClickHouseClient, database: string, projectId: string, token: string, refs: Reference[]): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    const eventRefs = refs.filter((r) => r.kind === 'event');
    if (eventRefs.length) {
      const names = await this.eventNames(client, database, projectId, token, eventRefs.map((r) => r.name));
      for (const r of eventRefs) if (!names.has(r.name)) errors.push({ path: r.path, message: `no event "${r.name}" in this project` });
    }
    for (const r of refs) {
      if (r.kind === 'property') {
        if (!(await this.hasProperty(client, database, projectId, token, r.type, r.key)))
          errors.push({ path: r.path, message: `no ${r.type} property "${r.key}" in this project` });
      } else if (r.kind === 'regex') {
        const problem = await regexProblem(client, r.pattern);
        if (problem) errors.push({ path: r.path, message: `not a valid RE2 regular expression: ${problem}` });
      }
    }
    return errors;
  }

  private async eventNames(client: ClickHouseClient, database: string, projectId: string, token: string, wanted: string[]) {
    let known = this.knownEvents.get(projectId);
    if (!known) {
      if (this.knownEvents.size > 10_000) this.knownEvents.clear();
      this.knownEvents.set(projectId, (known = new Set()));
    }
    const unknown = [...new Set(wanted)].filter((n) => !known!.has(n));
    // Names not seen yet are looked up again only once the data changed.
    const key = `${projectId}\u0000${unknown.sort().join('\u0000')}`;
    if (unknown.length && this.missingEvents.get(key) !== token) {
      const rs = await client.query({
        query: `SELECT DISTINCT toString(event) AS event FROM ${database}.events WHERE project_id = {project:UUID} AND event IN {names:Array(String)}`,
        query_params: { project: projectId, names: unknown },
        format: 'JSONEachRow',
      });
      for (const r of await rs.json<{ event: string }>()) known.add(r.event);
      if (this.missingEvents.size > 10_000) this.missingEvents.clear();
      this.missingEvents.set(key, token);
    }
    return known;
  }

  private async hasProperty(client: ClickHouseClient, database: string, projectId: string, token: string, type: 'event' | 'person', key: string) {
    const id = `${projectId}\u0000${type}\u0000${key}`;
    const hit = this.seenKeys.get(id);
    if (hit && (hit.known || hit.token === token)) return hit.known;
    const table = type === 'event' ? 'events' : 'persons';
    const rs = await client.query({
      query: `SELECT 1 AS ok FROM ${database}.${table} WHERE project_id = {project:UUID} AND JSONHas(properties, {key:String}) LIMIT 1`,
      query_params: { project: projectId, key },
      format: 'JSONEachRow',
    });
    const known = (await rs.json()).length > 0;
    if (this.seenKeys.size > 100_000) this.seenKeys.clear();
    this.seenKeys.set(id, { token, known });
    return known;
  }
}

/** The reason ClickHouse (RE2) rejects a pattern, or undefined when it compiles. */
export async function regexProblem(client: ClickHouseClient, pattern: string): Promise<string | undefined> {
  try {
    await (await client.query({ query: 'SELECT match(\'\', {re:String}) AS m', query_params: { re: pattern }, format: 'JSONEachRow' })).json();
    return undefined;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === '427' || e.code === '36') return (e.message ?? '').split('\n')[0]!.replace(/^.*?cannot compile re2: /, '').slice(0, 200);
    throw err;
  }
}

/** Changes whenever a part of the event or person tables changes: inserts, merges, mutations. */
export async function freshnessToken(client: ClickHouseClient, database: string): Promise<string> {
  const rs = await client.query({
    query: `SELECT toString(max(modification_time)) AS t, toString(sum(rows)) AS r, toString(count()) AS c FROM system.parts
      WHERE database = {db:String} AND table IN ('events', 'persons', 'person_distinct_ids') AND active`,
    query_params: { db: database },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ t: string; r: string; c: string }>();
  return `${row?.t}|${row?.r}|${row?.c}`;
}
