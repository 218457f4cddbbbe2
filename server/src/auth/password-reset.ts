import { createHash, randomBytes } from 'node:crypto';
import { validationError } from '../http/errors.js';
import type { Deps } from '../modules.js';
import { hashPassword } from './passwords.js';
import { revokeAllSessions } from './sessions.js';
import type { Mailer } from './mailer.js';

const RESET_TTL = '1 hour';
const RESETS_PER_HOUR = 5;
const hashToken = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');

/**
 * Starts a reset: a single-use token valid for an hour, delivered by the mailer (the log by
 * default). The caller learns nothing about whether the email has an account.
 */
export async function requestPasswordReset(deps: Deps, mailer: Mailer, email: string): Promise<void> {
  // At most RESETS_PER_HOUR mails per address: nobody can flood a mailbox through us.
  const { rows: throttled } = await deps.pg.app.raw('SELECT cairn_login_failed(?, ?, ?::interval) AS until', [
    `reset:${email.trim().toLowerCase()}`,
    RESETS_PER_HOUR + 1,
    '1 hour',
  ]);
  if (throttled[0]?.until) {
    deps.log.warn({ email }, 'password reset requests for this address are throttled');
    return;
  }
  const token = 'cairn_pr_' + randomBytes(32).toString('base64url');
  const { rows } = await deps.pg.app.raw('SELECT cairn_password_reset_create(?, ?, ?::interval) AS user_id', [email.trim(), hashToken(token), RESET_TTL]);
  if (!rows[0]?.user_id) {
    deps.log.info({ email }, 'password reset asked for an email without an active account');
    return;
  }
  const base = (deps.config.env.CAIRN_PUBLIC_URL ?? `http://localhost:${deps.config.env.CAIRN_PORT}`).replace(/\/$/, '');
  // Not awaited: the answer must not take longer when the email has an account.
  void mailer.send({
    to: email.trim().toLowerCase(),
    subject: 'Reset your Cairn password',
    text: `Open this link within an hour to choose a new password:\n${base}/reset-password?token=${encodeURIComponent(token)}\n`,
    link: `${base}/reset-password?token=${encodeURIComponent(token)}`,
  });
}

/** Uses a reset token: sets the password and ends every session of the user. Returns the user. */
export async function confirmPasswordReset(deps: Deps, token: string, password: string): Promise<string> {
  const { rows } = await deps.pg.app.raw('SELECT cairn_password_reset_consume(?) AS user_id', [hashToken(token)]);
  const userId = rows[0]?.user_id as string | null;
  if (!userId) throw validationError('body', [{ path: ['token'], message: 'the reset link is unknown, expired or already used' }]);
  const hash = await hashPassword(password);
  await deps.pg.withTenant({ userId }, (trx) => trx('users').where({ id: userId }).update({ password_hash: hash, updated_at: trx.fn.now() }));
  await revokeAllSessions(deps.pg, userId);
  return userId;
}
