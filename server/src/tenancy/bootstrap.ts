import type { Logger } from 'pino';
import type { InitConfig } from '../config/index.js';
import type { Postgres } from '../db/postgres.js';
import { appError } from '../http/errors.js';
import { provisionOwner, type FirstOwner, type Provisioned } from './provision.js';
import { ensureDefaultDashboard } from '../dashboards/default-dashboard.js';

// Serialises first-owner creation across replicas and concurrent setup requests.
const SETUP_LOCK_KEY = 0x0ca1_2b;

/** Headless first start: creates the CAIRN_INIT_* records once. Safe to run on every boot. */
export async function applyInit(pg: Postgres, init: InitConfig, log: Logger): Promise<Provisioned> {
  const result = await pg.owner.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?)', [SETUP_LOCK_KEY]);
    const anyUser = await trx('users').first('id');
    return provisionOwner(trx, { ...init, email: init.userEmail, password: init.userPassword, apiKey: init.apiKey }, { instanceAdmin: !anyUser });
  });
  await ensureDefaultDashboard(pg, { orgId: result.orgId, projectId: result.projectId, userId: result.userId });
  log.info({ orgId: result.orgId, projectId: result.projectId, created: result.created }, 'headless init applied');
  return result;
}

export async function isInitialised(pg: Postgres): Promise<boolean> {
  const { rows } = await pg.app.raw('SELECT cairn_instance_initialised() AS v');
  return rows[0].v === true;
}

/** The setup form's action: allowed only while the instance has no user at all. */
export async function setupFirstOwner(pg: Postgres, input: FirstOwner): Promise<Provisioned> {
  return pg.owner.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?)', [SETUP_LOCK_KEY]);
    if (await trx('users').first('id')) throw appError('CONFLICT', 'this instance is already set up; sign in instead');
    return provisionOwner(trx, input, { instanceAdmin: true });
  });
}
