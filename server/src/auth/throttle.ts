import type { Config } from '../config/index.js';
import type { Postgres } from '../db/postgres.js';
import { appError } from '../http/errors.js';

export interface ThrottleSettings {
  maxPerAccount: number;
  maxPerIp: number;
  windowMinutes: number;
}

export const throttleSettings = (config: Config): ThrottleSettings => ({
  maxPerAccount: config.env.CAIRN_LOGIN_MAX_FAILURES_ACCOUNT,
  maxPerIp: config.env.CAIRN_LOGIN_MAX_FAILURES_IP,
  windowMinutes: config.env.CAIRN_LOGIN_LOCK_MINUTES,
});

export const accountKey = (email: string) => `account:${email.trim().toLowerCase()}`;
export const ipKey = (ip: string) => `ip:${ip}`;

const retryAfter = (until: string | Date) => Math.max(1, Math.ceil((new Date(until).getTime() - Date.now()) / 1000));

const locked = (until: string | Date) =>
  appError('RATE_LIMITED', 'too many failed sign-in attempts; try again later', [], { 'Retry-After': String(retryAfter(until)) });

/**
 * Failed sign-ins are counted per account and per IP address in PostgreSQL (so every replica
 * sees them). Once a key reaches its limit within the window it is locked for a window:
 * even the right password is refused until then.
 */
export class LoginThrottle {
  constructor(
    private readonly pg: Postgres,
    private readonly s: ThrottleSettings,
  ) {}

  async assertAllowed(email: string, ip: string): Promise<void> {
    const { rows } = await this.pg.app.raw('SELECT cairn_login_locked_until(?::text[]) AS until', [[accountKey(email), ipKey(ip)]]);
    if (rows[0].until) throw locked(rows[0].until);
  }

  /** Counts a failure against the account and the address. */
  async failed(email: string, ip: string): Promise<void> {
    const window = `${this.s.windowMinutes * 60} seconds`;
    await this.pg.app.raw('SELECT cairn_login_failed(?, ?, ?::interval), cairn_login_failed(?, ?, ?::interval)', [
      accountKey(email), this.s.maxPerAccount, window, ipKey(ip), this.s.maxPerIp, window,
    ]);
  }

  async succeeded(email: string): Promise<void> {
    await this.pg.app.raw('SELECT cairn_login_succeeded(?)', [accountKey(email)]);
  }
}
