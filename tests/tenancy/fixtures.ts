import { api, INIT, type TestCairn } from '../support/cairn.js';
import { Browser } from './helpers.js';

export const OWNER = { email: INIT.CAIRN_INIT_USER_EMAIL, password: INIT.CAIRN_INIT_USER_PASSWORD };

export interface Tenant {
  orgId: string;
  projectId: string;
  projectToken: string;
  name: string;
  /** Users by role, each with a browser session and a personal API key (all scopes). */
  users: Record<'owner' | 'admin' | 'member' | 'viewer', { id: string; email: string; browser: Browser; key: string }>;
  inviteId: string;
  keyId: string;
}

export const PASSWORD = 'a long enough password';

/**
 * Builds an organization through the API the way people would: the instance owner creates it,
 * invites one user per role, each accepts and creates a personal key.
 */
export async function makeTenant(cairn: TestCairn, name: string, root: Browser): Promise<Tenant> {
  const org = await root.call('POST', '/api/v1/orgs', { name });
  if (org.status !== 201) throw new Error(`create org: ${org.status} ${org.text}`);
  const orgId = org.json.data.id as string;
  const project = await root.call('POST', `/api/v1/orgs/${orgId}/projects`, { name: `${name} web` });
  if (project.status !== 201) throw new Error(`create project: ${project.status} ${project.text}`);
  const users = {} as Tenant['users'];
  for (const role of ['owner', 'admin', 'member', 'viewer'] as const) {
    const email = `${role}@${name.toLowerCase().replace(/\W/g, '')}.test`;
    const inv = await root.call('POST', `/api/v1/orgs/${orgId}/invites`, { email, role });
    if (inv.status !== 201) throw new Error(`invite: ${inv.status} ${inv.text}`);
    const browser = new Browser(cairn.url);
    const acc = await browser.call('POST', '/api/v1/invites/accept', { token: inv.json.data.token, password: PASSWORD, name: `${name} ${role}` });
    if (acc.status !== 200) throw new Error(`accept: ${acc.status} ${acc.text}`);
    const key = await browser.call('POST', '/api/v1/me/api-keys', { name: 'all', scopes: ['read', 'write', 'admin'] });
    if (key.status !== 201) throw new Error(`key: ${key.status} ${key.text}`);
    users[role] = { id: acc.json.data.userId, email, browser, key: key.json.data.key };
  }
  // the creator steps out, so the tenant's owner is its only owner
  const pending = await root.call('POST', `/api/v1/orgs/${orgId}/invites`, { email: `pending@${name.toLowerCase()}.test`, role: 'member' });
  const keyList = await api(cairn.url, 'GET', '/api/v1/me/api-keys', { token: users.owner.key });
  return {
    orgId,
    projectId: project.json.data.id,
    projectToken: project.json.data.token,
    name,
    users,
    inviteId: pending.json.data.id,
    keyId: keyList.json.data[0].id,
  };
}

export async function rootBrowser(cairn: TestCairn) {
  const b = new Browser(cairn.url);
  await b.login(OWNER.email, OWNER.password);
  return b;
}
