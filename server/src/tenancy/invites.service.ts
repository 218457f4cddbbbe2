import { aliased } from './sql.js';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { appendAuditIn, auditActorOf } from '../audit/audit.service.js';
import { hashPassword } from '../auth/passwords.js';
import { appError, notFound, validationError } from '../http/errors.js';
import type { Deps } from '../modules.js';
import type { RequestContext, UserActor } from './context.js';
import { mirrorControlPlane } from './dedicated.js';
import type { Role } from './roles.js';

const INVITE_TTL_MS = 7 * 24 * 3_600_000;
const hashToken = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
}

const columns = { id: 'id', email: 'email', role: 'role', invitedBy: 'invited_by', createdAt: 'created_at', expiresAt: 'expires_at' };

export const acceptUrl = (deps: Deps, token: string) =>
  `${(deps.config.env.CAIRN_PUBLIC_URL ?? `http://localhost:${deps.config.env.CAIRN_PORT}`).replace(/\/$/, '')}/invite?token=${encodeURIComponent(token)}`;

export async function createInvite(deps: Deps, ctx: RequestContext, input: { email: string; role: Role }) {
  if (input.role === 'owner' && ctx.role !== 'owner') throw appError('FORBIDDEN', 'only an owner can invite an owner');
  const email = input.email.trim().toLowerCase();
  const token = 'cairn_inv_' + randomBytes(24).toString('base64url');
  const invite = await deps.pg.withTenant({ orgId: ctx.orgId, userId: (ctx.actor as UserActor).userId }, async (trx) => {
    const member = await trx('memberships as m').join('users as u', 'u.id', 'm.user_id').where({ 'm.organization_id': ctx.orgId, 'u.email': email }).first('u.id');
    if (member) throw appError('CONFLICT', `${email} is already a member`);
    const [row] = await trx('invitations')
      .insert({
        id: randomUUID(),
        organization_id: ctx.orgId,
        email,
        role: input.role,
        token_hash: hashToken(token),
        invited_by: (ctx.actor as UserActor).userId,
        expires_at: new Date(Date.now() + INVITE_TTL_MS).toISOString(),
      })
      .returning(aliased(columns));
    await appendAuditIn(trx, ctx.orgId!, auditActorOf(ctx), { action: 'member.invited', targetType: 'invitation', targetId: row.id, data: { email, role: input.role } });
    return row as Invitation;
  });
  const url = acceptUrl(deps, token);
  deps.log.warn({ orgId: ctx.orgId, email, acceptUrl: url }, 'invitation created: send this link to the invitee');
  return { ...invite, token, acceptUrl: url };
}

export async function listInvites(deps: Deps, ctx: RequestContext, page: { limit: number; offset: number }) {
  return deps.pg.withTenant({ orgId: ctx.orgId }, async (trx) => {
    const pending = () => trx('invitations').where({ organization_id: ctx.orgId }).whereNull('accepted_at').whereNull('revoked_at').where('expires_at', '>', trx.fn.now());
    const n = (await pending().count({ n: '*' }))[0]?.n ?? 0;
    const items = (await pending().select(columns).orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(page.limit).offset(page.offset)) as Invitation[];
    return { items, total: Number(n) };
  });
}

export async function revokeInvite(deps: Deps, ctx: RequestContext, inviteId: string): Promise<void> {
  await deps.pg.withTenant({ orgId: ctx.orgId, userId: (ctx.actor as UserActor).userId }, async (trx) => {
    const n = await trx('invitations').where({ id: inviteId, organization_id: ctx.orgId }).whereNull('accepted_at').whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
    if (!n) throw notFound('invitation');
    await appendAuditIn(trx, ctx.orgId!, auditActorOf(ctx), { action: 'invitation.revoked', targetType: 'invitation', targetId: inviteId });
  });
}

interface InviteRow {
  id: string;
  organization_id: string;
  organization_name: string;
  email: string;
  role: Role;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
  existing_user_id: string | null;
}

const badToken = () => validationError('body', [{ path: ['token'], message: 'the invitation is unknown, expired, revoked or already used' }]);

async function usableInvite(deps: Deps, token: string): Promise<InviteRow | undefined> {
  if (token.length > 200) return undefined;
  const { rows } = await deps.pg.app.raw('SELECT * FROM cairn_invitation_by_token(?)', [hashToken(token)]);
  const row = rows[0] as InviteRow | undefined;
  if (!row || row.accepted_at || row.revoked_at || new Date(row.expires_at).getTime() <= Date.now()) return undefined;
  return row;
}

/** What the acceptance page shows. Unknown and unusable tokens are both 404. */
export async function describeInvite(deps: Deps, token: string) {
  const row = await usableInvite(deps, token);
  if (!row) throw notFound('invitation');
  return { organizationName: row.organization_name, email: row.email, role: row.role, expiresAt: row.expires_at, accountExists: !!row.existing_user_id };
}

/**
 * Accepts an invitation: joins an existing account (the caller must be signed in as it) or
 * creates the account (a password is then required). Single use: the invitation row is
 * marked in the same transaction as the membership is created.
 */
export async function acceptInvite(deps: Deps, ctx: RequestContext, input: { token: string; password?: string; name?: string }) {
  const row = await usableInvite(deps, input.token);
  if (!row) throw badToken();
  let userId: string;
  let created = false;
  if (row.existing_user_id) {
    if (ctx.actor.kind !== 'user') throw appError('UNAUTHENTICATED', `sign in as ${row.email} to accept this invitation`);
    if (ctx.actor.userId !== row.existing_user_id) throw appError('FORBIDDEN', `this invitation is for ${row.email}; sign in as that account`);
    userId = row.existing_user_id;
  } else {
    if (!input.password) throw validationError('body', [{ path: ['password'], message: 'choose a password (at least 12 characters) for the new account' }]);
    userId = randomUUID();
    created = true;
  }
  const passwordHash = created ? await hashPassword(input.password!) : undefined;
  await deps.pg.withTenant({ orgId: row.organization_id, userId }, async (trx) => {
    const claimed = await trx('invitations')
      .where({ id: row.id })
      .whereNull('accepted_at')
      .whereNull('revoked_at')
      .update({ accepted_at: trx.fn.now(), accepted_by: created ? null : userId });
    if (!claimed) throw badToken();
    if (created) {
      try {
        await trx('users').insert({ id: userId, email: row.email, name: input.name ?? '', password_hash: passwordHash });
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw appError('CONFLICT', `an account for ${row.email} exists; sign in to accept`);
        throw err;
      }
      await trx('invitations').where({ id: row.id }).update({ accepted_by: userId });
    }
    await trx('memberships').insert({ organization_id: row.organization_id, user_id: userId, role: row.role }).onConflict(['organization_id', 'user_id']).ignore();
    await appendAuditIn(trx, row.organization_id, { ...auditActorOf(ctx), actorId: userId, actorEmail: row.email }, {
      action: 'member.joined',
      targetType: 'user',
      targetId: userId,
      data: { invitationId: row.id, role: row.role, accountCreated: created },
    });
  });
  const iso = await deps.pg.owner('organizations').where({ id: row.organization_id }).first('isolation');
  if (iso?.isolation === 'dedicated') await mirrorControlPlane(deps.pg, row.organization_id);
  return { organizationId: row.organization_id, userId, role: row.role, accountCreated: created };
}
