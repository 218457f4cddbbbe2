import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { hashApiKey, displayPrefix } from '../auth/api-keys.js';
import { hashPassword } from '../auth/passwords.js';

export const generateProjectToken = () => 'cairn_pt_' + randomBytes(24).toString('base64url');

export function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return base || 'org';
}

async function uniqueSlug(trx: Knex.Transaction, name: string): Promise<string> {
  const base = slugify(name);
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    if (!(await trx('organizations').where({ slug }).first('id'))) return slug;
  }
}

export interface FirstOwner {
  email: string;
  password: string;
  name?: string;
  orgName: string;
  projectName: string;
  projectToken?: string;
  apiKey?: string;
}

export interface Provisioned {
  userId: string;
  orgId: string;
  projectId: string;
  projectToken: string;
  created: { user: boolean; org: boolean; project: boolean; apiKey: boolean };
}

/**
 * Creates (or finds) a user who owns an organization with one project, and optionally a
 * personal API key. Idempotent on the user's email, the organization name the user owns,
 * the project token and the key. Runs as the schema owner: it is an operator action at
 * boot or first setup, before any tenant exists to scope it by.
 */
export async function provisionOwner(trx: Knex.Transaction, input: FirstOwner, opts: { instanceAdmin: boolean }): Promise<Provisioned> {
  const email = input.email.toLowerCase();
  const created = { user: false, org: false, project: false, apiKey: false };

  let user = await trx('users').where({ email }).first('id');
  if (!user) {
    [user] = await trx('users')
      .insert({ id: randomUUID(), email, name: input.name ?? '', password_hash: await hashPassword(input.password), is_instance_admin: opts.instanceAdmin })
      .returning('id');
    created.user = true;
  }
  const userId = user!.id as string;

  let org = await trx('organizations as o')
    .join('memberships as m', 'm.organization_id', 'o.id')
    .where({ 'o.name': input.orgName, 'm.user_id': userId, 'm.role': 'owner' })
    .first('o.id');
  if (!org) {
    [org] = await trx('organizations').insert({ id: randomUUID(), name: input.orgName, slug: await uniqueSlug(trx, input.orgName) }).returning('id');
    await trx('memberships').insert({ organization_id: org!.id, user_id: userId, role: 'owner' });
    created.org = true;
  }
  const orgId = org!.id as string;

  let project = input.projectToken ? await trx('projects').where({ token: input.projectToken }).first('id', 'organization_id', 'token') : undefined;
  if (project && project.organization_id !== orgId) {
    throw new Error('CAIRN_INIT_PROJECT_TOKEN already belongs to a project of another organization');
  }
  if (!project) {
    project = await trx('projects').where({ organization_id: orgId, name: input.projectName }).first('id', 'organization_id', 'token');
  }
  if (!project) {
    [project] = await trx('projects')
      .insert({ id: randomUUID(), organization_id: orgId, name: input.projectName, token: input.projectToken ?? generateProjectToken() })
      .returning(['id', 'organization_id', 'token']);
    created.project = true;
  }

  if (input.apiKey) {
    const hash = hashApiKey(input.apiKey);
    const existing = await trx('api_keys').where({ key_hash: hash }).first('user_id');
    if (existing && existing.user_id !== userId) throw new Error('CAIRN_INIT_API_KEY already belongs to another user');
    if (!existing) {
      await trx('api_keys').insert({
        user_id: userId,
        name: 'CAIRN_INIT_API_KEY',
        prefix: displayPrefix(input.apiKey),
        key_hash: hash,
        scopes: ['read', 'write', 'admin'],
      });
      created.apiKey = true;
    }
  }
  return { userId, orgId, projectId: project!.id, projectToken: project!.token, created };
}
