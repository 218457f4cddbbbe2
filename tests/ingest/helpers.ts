import { INIT, type TestCairn } from '../support/cairn.js';

export const TOKEN = INIT.CAIRN_INIT_PROJECT_TOKEN;

/** The ClickHouse handle of the CAIRN_INIT_* organization. */
export async function clickhouseOf(cairn: TestCairn) {
  const row = await cairn.deps.pg.owner('projects').where({ token: TOKEN }).first('organization_id');
  return cairn.deps.tenants.clickhouseFor(row.organization_id as string);
}

/** Rows from the running server's ClickHouse (chDB lives in this process). */
export async function chRows<T = Record<string, unknown>>(cairn: TestCairn, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const { client, database } = await clickhouseOf(cairn);
  const rs = await client.query({ query: query.replaceAll('${db}', database), query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

/** Events of one distinct id as stored (deduplicated with FINAL), oldest first. */
export function eventsOf(cairn: TestCairn, distinctId: string) {
  return chRows<{ uuid: string; event: string; distinct_id: string; person_id: string; timestamp: string; properties: string; url: string; lib: string; flags: string[]; person_set: string }>(
    cairn,
    'SELECT * FROM ${db}.events FINAL WHERE distinct_id = {d:String} ORDER BY timestamp, uuid',
    { d: distinctId },
  );
}

export function deadLetters(cairn: TestCairn, reason?: string) {
  return chRows<{ reason: string; detail: string; payload: string; source: string; project_id: string }>(
    cairn,
    `SELECT reason, detail, payload, source, project_id FROM \${db}.events_dead_letter ${reason ? 'WHERE reason = {r:String}' : ''} ORDER BY inserted_at`,
    reason ? { r: reason } : {},
  );
}

/** Current person of a distinct id, following merges (how the query engine reads it). */
export async function personOf(cairn: TestCairn, distinctId: string): Promise<string | undefined> {
  const rows = await chRows<{ person_id: string }>(
    cairn,
    'SELECT argMax(person_id, version) AS person_id FROM ${db}.person_distinct_ids WHERE distinct_id = {d:String} GROUP BY distinct_id',
    { d: distinctId },
  );
  return rows[0]?.person_id;
}

/** ClickHouse DateTime64 text → ISO (ms). */
export const iso = (ch: string) => new Date(ch.replace(' ', 'T') + 'Z').toISOString();

export async function post(base: string, path: string, body: BodyInit, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, { method: 'POST', body, headers });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

export const postJson = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  post(base, path, JSON.stringify(body), { 'content-type': 'application/json', ...headers });

/**
 * An lz-string (base64) stream that expands quadratically: one character, then k codes each
 * naming the newest dictionary entry ('a', 'aa', 'aaa', …). ~k²/2 characters out of ~1.6·k bytes.
 */
export function lz64Bomb(k: number, char = ' '): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const bits: number[] = [];
  const write = (value: number, n: number) => {
    for (let i = 0; i < n; i++) bits.push((value >> i) & 1);
  };
  write(0, 2);
  write(char.charCodeAt(0), 8);
  let dictSize = 4;
  let numBits = 3;
  let enlargeIn = 4;
  for (let j = 0; j < k; j++) {
    write(dictSize, numBits);
    dictSize++;
    enlargeIn--;
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
  }
  write(2, numBits);
  while (bits.length % 6 !== 0) bits.push(0);
  let out = '';
  for (let i = 0; i < bits.length; i += 6) {
    let v = 0;
    for (let b = 0; b < 6; b++) v = (v << 1) | bits[i + b]!;
    out += alphabet[v];
  }
  return out + 'A'.repeat((4 - (out.length % 4)) % 4);
}
