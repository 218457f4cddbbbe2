import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { clickhouseMigrationsDir } from './paths.js';

export interface ClickHouseMigration {
  name: string;
  checksum: string;
  statements: string[];
}

/** `${database}` is the only substitution: the database name is validated configuration, never user input. */
export function loadClickHouseMigrations(database: string, dir = clickhouseMigrationsDir): ClickHouseMigration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const text = readFileSync(path.join(dir, name), 'utf8');
      const statements = text
        .replace(/^\s*--.*$/gm, '')
        .split(/;\s*(?:\n|$)/)
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => s.replaceAll('${database}', database));
      return { name, checksum: createHash('sha256').update(text).digest('hex'), statements };
    });
}

/**
 * Applies the ordered, idempotent DDL files and records each in `schema_migrations`.
 * Every statement is written to be safe to re-run (IF NOT EXISTS), so a crash half-way
 * through a file is repaired by running the file again. The caller holds the migration lock.
 */
export async function migrateClickHouse(client: ClickHouseClient, database: string, dir?: string): Promise<string[]> {
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${database}.schema_migrations
      (name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = MergeTree ORDER BY name`,
  });
  const done = await (
    await client.query({ query: `SELECT name, checksum FROM ${database}.schema_migrations`, format: 'JSONEachRow' })
  ).json<{ name: string; checksum: string }>();
  const applied = new Map(done.map((r) => [r.name, r.checksum]));
  const ran: string[] = [];
  for (const m of loadClickHouseMigrations(database, dir)) {
    const previous = applied.get(m.name);
    if (previous !== undefined) {
      if (previous !== m.checksum) {
        throw new Error(`ClickHouse migration ${m.name} was changed after it was applied; add a new migration instead`);
      }
      continue;
    }
    for (const statement of m.statements) await client.command({ query: statement });
    await client.insert({
      table: `${database}.schema_migrations`,
      values: [{ name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    });
    ran.push(m.name);
  }
  return ran;
}
