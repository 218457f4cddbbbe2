import { Strategy as LocalStrategy } from 'passport-local';
import type { Postgres } from '../db/postgres.js';
import { appError } from '../http/errors.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { LoginThrottle } from './throttle.js';

export interface SignedInUser {
  id: string;
  email: string;
  name: string;
  instanceAdmin: boolean;
}

// Verifying against a real hash when the email is unknown keeps the timing of both answers alike.
const dummyHash = hashPassword('cairn-timing-equaliser-password');

interface LoginRow {
  user_id: string;
  email: string;
  name: string;
  password_hash: string | null;
  is_instance_admin: boolean;
  disabled: boolean;
}

/**
 * Email + password sign-in through passport-local. The strategy's verify callback checks
 * the argon2id hash; the throttle is consulted before and charged after. Any failure is the
 * same 401 (unknown email, wrong password, disabled account, no password set).
 */
export function passwordLogin(pg: Postgres, throttle: LoginThrottle) {
  const strategy = new LocalStrategy({ usernameField: 'email', passwordField: 'password', session: false }, (email, password, done) => {
    verify(email, password).then(
      (r) => ('user' in r ? done(null, r.user) : done(null, false, { message: 'invalid', failedUserId: r.failedUserId } as { message: string })),
      (err) => done(err),
    );
  });

  async function verify(email: string, password: string): Promise<{ user: SignedInUser } | { failedUserId?: string }> {
    const { rows } = await pg.app.raw('SELECT * FROM cairn_login_lookup(?)', [email.trim()]);
    const row = rows[0] as LoginRow | undefined;
    const ok = await verifyPassword(row?.password_hash ?? (await dummyHash), password);
    if (!row || !row.password_hash || !ok || row.disabled) return row ? { failedUserId: row.user_id } : {};
    return { user: { id: row.user_id, email: row.email, name: row.name, instanceAdmin: row.is_instance_admin } };
  }

  /** Runs the strategy the way passport's middleware does, on a request holding only the body. */
  function runStrategy(body: { email: string; password: string }): Promise<{ user?: SignedInUser; failedUserId?: string }> {
    return new Promise((resolve, reject) => {
      const s = Object.create(strategy) as LocalStrategy & {
        success(user: SignedInUser): void;
        fail(info?: { failedUserId?: string }): void;
        error(err: unknown): void;
      };
      s.success = (user) => resolve({ user });
      s.fail = (info) => resolve({ failedUserId: info?.failedUserId });
      s.error = (err) => reject(err);
      s.authenticate({ body } as never, {});
    });
  }

  /** Signs in; `onFailure` hears of a failed attempt on an existing account (for its audit log). */
  return async function login(
    email: string,
    password: string,
    ip: string,
    onFailure?: (userId: string) => Promise<void>,
  ): Promise<SignedInUser> {
    await throttle.assertAllowed(email, ip);
    const { user, failedUserId } = await runStrategy({ email, password });
    if (!user && failedUserId) await onFailure?.(failedUserId);
    if (user) {
      await throttle.succeeded(email);
      return user;
    }
    // The failure that reaches a limit is still answered 401; the next attempt meets the lock (429).
    await throttle.failed(email, ip);
    throw appError('UNAUTHENTICATED', 'the email or password is wrong');
  };
}
