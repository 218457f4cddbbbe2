import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { postgresMigrationsDir } from './paths.js';

/** Knex migration source over `migrations/postgres/*.js`, applied in file-name order. */
class DirectorySource implements Knex.MigrationSource<string> {
  constructor(private readonly dir: string) {}
  async getMigrations() {
    return readdirSync(this.dir)
      .filter((f) => /^\d{14}_[a-z0-9_]+\.js$/.test(f))
      .sort();
  }
  getMigrationName(name: string) {
    return name;
  }
  async getMigration(name: string) {
    return (await import(pathToFileURL(path.join(this.dir, name)).href)) as Knex.Migration;
  }
}

/** Applies pending PostgreSQL migrations as the schema owner. Knex's lock table serialises replicas. */
export async function migratePostgres(owner: Knex, dir = postgresMigrationsDir): Promise<string[]> {
  const [, applied] = (await owner.migrate.latest({
    migrationSource: new DirectorySource(dir),
    tableName: 'knex_migrations',
  })) as [number, string[]];
  return applied;
}
