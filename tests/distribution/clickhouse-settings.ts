import { createRequire } from 'node:module';
import path from 'node:path';
import { root } from './support.js';

type Chdb = { query(sql: string, format?: string): string };
let chdb: Chdb | undefined;

/** The embedded engine (chDB, the same ClickHouse the images pin): its version and setting names. */
export function engine() {
  chdb ??= createRequire(path.join(root, 'server/package.json'))('chdb') as Chdb;
  const names = (table: string) => new Set(chdb!.query(`SELECT name FROM system.${table}`, 'TSVRaw').trim().split('\n'));
  return { version: chdb.query('SELECT version()', 'TSVRaw').trim(), serverSettings: names('server_settings'), settings: names('settings') };
}

/** `<name>value</name>` leaves of a ClickHouse XML config: plain settings, not sections. */
export function plainSettings(xml: string): string[] {
  return [...xml.matchAll(/^\s*<([a-z_0-9]+)>[^<]*<\/\1>\s*$/gm)].map((m) => m[1]!);
}

/** The settings of `<profiles><default>…</default></profiles>`, if the config has them. */
export function profileSettings(xml: string): string[] {
  const body = /<profiles>\s*<default>([\s\S]*?)<\/default>\s*<\/profiles>/.exec(xml)?.[1] ?? '';
  return plainSettings(body);
}
