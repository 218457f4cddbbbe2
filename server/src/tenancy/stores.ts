import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouse } from '../db/clickhouse.js';

/** Where one organization's events live: a ClickHouse client and the database to name in SQL. */
export interface TenantClickHouse {
  readonly client: ClickHouseClient;
  readonly database: string;
}

/**
 * Resolves an organization to its data handles. Every code path that touches events asks
 * this first, so a dedicated organization (own database or server) needs no change above it.
 */
export interface TenantStores {
  clickhouseFor(orgId: string): Promise<TenantClickHouse>;
}

/** Shared isolation: every organization's events in the one configured database, scoped by project_id. */
export function sharedTenantStores(ch: ClickHouse): TenantStores {
  const handle: TenantClickHouse = { client: ch.client, database: ch.database };
  return { clickhouseFor: async () => handle };
}
