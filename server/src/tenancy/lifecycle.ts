import type { ClickHouseClient } from '@clickhouse/client';
import type { Deps } from '../modules.js';
import { dropDedicated } from './dedicated.js';
import { pruneRateCounters } from './rate-limit.js';

/** Deletes every row of the given projects from each MergeTree table of a ClickHouse database that has a project_id. */
export async function deleteProjectEvents(client: ClickHouseClient, database: string, projectIds: string[]): Promise<void> {
  if (projectIds.length === 0) return;
  const tables = await (
    await client.query({
      query: `SELECT t.name AS name FROM system.tables t
               JOIN system.columns c ON c.database = t.database AND c.table = t.name
              WHERE t.database = {db:String} AND c.name = 'project_id' AND t.engine LIKE '%MergeTree%'`,
      query_params: { db: database },
      format: 'JSONEachRow',
    })
  ).json<{ name: string }>();
  for (const { name } of tables) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    await client.command({
      query: `ALTER TABLE ${database}.${name} DELETE WHERE project_id IN {ids:Array(UUID)}`,
      query_params: { ids: projectIds },
      clickhouse_settings: { mutations_sync: '2' },
    });
  }
}

/**
 * Hard-deletes organizations whose deletion grace period is over: their events (or their
 * dedicated databases), then their metadata (the organization row; everything else cascades).
 */
export async function purgeDueOrganizations(deps: Deps): Promise<string[]> {
  const due = await deps.pg.owner('organizations')
    .where({ status: 'deleting' })
    .where('purge_after', '<=', new Date().toISOString())
    .select('id', 'isolation');
  const purged: string[] = [];
  for (const org of due as Array<{ id: string; isolation: string }>) {
    try {
      if (org.isolation === 'dedicated') {
        await deps.tenants.forget(org.id);
        await dropDedicated(deps.pg, deps.ch, org.id);
      } else {
        const projectIds = await deps.pg.owner('projects').where({ organization_id: org.id }).pluck('id');
        const { client, database } = await deps.tenants.clickhouseFor(org.id);
        await deleteProjectEvents(client, database, projectIds as string[]);
      }
      await deps.pg.owner('organizations').where({ id: org.id, status: 'deleting' }).delete();
      await deps.tenants.forget(org.id);
      deps.log.warn({ orgId: org.id }, 'organization purged after its deletion grace period');
      purged.push(org.id);
    } catch (err) {
      deps.log.error({ err, orgId: org.id }, 'purging an organization failed; will retry');
    }
  }
  return purged;
}

/** Drops sessions, reset tokens and throttle entries that can no longer matter. */
export async function pruneAuthState(deps: Deps): Promise<void> {
  const day = new Date(Date.now() - 86_400_000).toISOString();
  await deps.pg.owner('sessions').where('expires_at', '<', day).orWhere('revoked_at', '<', day).delete();
  await deps.pg.owner('password_resets').where('expires_at', '<', day).delete();
  await deps.pg.owner('auth_throttle').where('window_start', '<', day).where((q) => q.whereNull('locked_until').orWhere('locked_until', '<', new Date().toISOString())).delete();
}

/** The periodic housekeeping of the tenancy module: purges, expired rate counters and sessions. */
export function lifecycleTimer(deps: Deps) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const tick = () => {
    running = Promise.all([purgeDueOrganizations(deps), pruneRateCounters(deps.pg), pruneAuthState(deps)]).catch((err) =>
      deps.log.error({ err }, 'tenancy housekeeping failed'),
    );
  };
  return {
    async start() {
      timer = setInterval(tick, deps.config.env.CAIRN_ORG_PURGE_INTERVAL_SECONDS * 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
