import { api } from '../support/cairn.js';

/** A browser-like client: keeps cookies, sends X-CSRF-Token from the cairn_csrf cookie on writes. */
export class Browser {
  readonly jar = new Map<string, string>();
  constructor(
    readonly base: string,
    readonly opts: { csrf?: boolean; origin?: string } = {},
  ) {}

  get csrf() {
    return this.jar.get('cairn_csrf');
  }

  cookieHeader() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const h: Record<string, string> = { ...headers };
    if (this.jar.size) h.cookie = this.cookieHeader();
    if (method !== 'GET' && this.opts.csrf !== false && this.csrf && !('x-csrf-token' in h)) h['x-csrf-token'] = this.csrf;
    if (this.opts.origin) h.origin = this.opts.origin;
    const res = await api(this.base, method, path, { body, headers: h });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  async login(email: string, password: string) {
    const res = await this.call('POST', '/api/v1/auth/login', { email, password });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
    return res;
  }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
