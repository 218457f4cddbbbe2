import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INIT, startTestCairn, type TestCairn } from '../support/cairn.js';
import { pruneAuthState } from '../../server/src/tenancy/lifecycle.js';
import { Browser } from './helpers.js';

const OWNER = { email: INIT.CAIRN_INIT_USER_EMAIL, password: INIT.CAIRN_INIT_USER_PASSWORD };

describe('sessions, CSRF and sign-in throttling', () => {
  let cairn: TestCairn;
  beforeAll(async () => {
    cairn = await startTestCairn({ ...INIT, CAIRN_LOGIN_MAX_FAILURES_ACCOUNT: '3', CAIRN_LOGIN_MAX_FAILURES_IP: '8' });
  });
  afterAll(() => cairn?.destroy());

  it('signs in with a httpOnly SameSite=Lax session cookie and a readable CSRF cookie', async () => {
    const b = new Browser(cairn.url);
    const res = await b.login(OWNER.email, OWNER.password);
    const cookies = res.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith('cairn_session='))!;
    const csrf = cookies.find((c) => c.startsWith('cairn_csrf='))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(session).not.toMatch(/; Secure/);
    expect(csrf).not.toMatch(/HttpOnly/);
    expect(res.json.data.csrfToken).toBe(b.csrf);
    expect(res.json.data.user.email).toBe(OWNER.email);
    const me = await b.call('GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.json.data.email).toBe(OWNER.email);
    expect(me.json.data.csrfToken).toBe(b.csrf);
    // the session is stored hashed: the cookie value is nowhere in the table
    const rows = await cairn.deps.pg.owner('sessions').select('token_hash');
    expect(rows.map((r) => r.token_hash)).not.toContain(b.jar.get('cairn_session'));
  });

  it('refuses cookie-authenticated writes without the CSRF header, with a wrong one, or from another origin', async () => {
    const b = new Browser(cairn.url, { csrf: false });
    await b.login(OWNER.email, OWNER.password);
    const none = await b.call('PATCH', '/api/v1/me', { name: 'x' });
    expect(none.status).toBe(403);
    expect(none.json.error.code).toBe('CSRF_FAILED');
    const wrong = await b.call('PATCH', '/api/v1/me', { name: 'x' }, { 'x-csrf-token': 'a'.repeat(43) });
    expect(wrong.json.error.code).toBe('CSRF_FAILED');
    const cross = await b.call('PATCH', '/api/v1/me', { name: 'x' }, { 'x-csrf-token': b.csrf!, origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    expect(cross.json.error.code).toBe('CSRF_FAILED');
    const ok = await b.call('PATCH', '/api/v1/me', { name: 'Owner' }, { 'x-csrf-token': b.csrf!, origin: cairn.url });
    expect(ok.status).toBe(200);
    expect(ok.json.data.name).toBe('Owner');
    // reads need no token; API keys need none either
    expect((await b.call('GET', '/api/v1/me')).status).toBe(200);
    const key = await api(cairn.url, 'PATCH', '/api/v1/me', { token: INIT.CAIRN_INIT_API_KEY, body: { name: 'Owner' } });
    expect(key.status).toBe(200);
  });

  it('grants no cross-origin reads of the API (no CORS on /api/v1)', async () => {
    const b = new Browser(cairn.url);
    await b.login(OWNER.email, OWNER.password);
    const res = await b.call('GET', '/api/v1/me', undefined, { origin: 'https://evil.example' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('rotates the session at sign-in: the cookie sent with the login request stops working', async () => {
    const b = new Browser(cairn.url);
    await b.login(OWNER.email, OWNER.password);
    const before = b.cookieHeader();
    await b.login(OWNER.email, OWNER.password);
    expect(b.cookieHeader()).not.toBe(before);
    const old = await api(cairn.url, 'GET', '/api/v1/me', { headers: { cookie: before } });
    expect(old.status).toBe(401);
    expect((await b.call('GET', '/api/v1/me')).status).toBe(200);
  });

  it('prunes sessions long expired or revoked', async () => {
    const b = new Browser(cairn.url);
    await b.login(OWNER.email, OWNER.password);
    const before = await cairn.deps.pg.owner('sessions').count({ n: '*' });
    await cairn.deps.pg.owner('sessions').update({ expires_at: new Date(Date.now() - 3 * 86_400_000).toISOString() });
    await pruneAuthState(cairn.deps);
    const after = await cairn.deps.pg.owner('sessions').count({ n: '*' });
    expect(Number(before[0]!.n)).toBeGreaterThan(0);
    expect(Number(after[0]!.n)).toBe(0);
    expect((await b.call('GET', '/api/v1/me')).status).toBe(401);
  });

  it('ends a session left unused longer than the idle limit', async () => {
    const b = new Browser(cairn.url);
    await b.login(OWNER.email, OWNER.password);
    expect((await b.call('GET', '/api/v1/me')).status).toBe(200);
    const me = (await b.call('GET', '/api/v1/me')).json.data;
    await cairn.deps.pg.owner('sessions').where({ user_id: me.id }).whereNull('revoked_at').update({ last_seen_at: new Date(Date.now() - 73 * 3_600_000).toISOString() });
    expect((await b.call('GET', '/api/v1/me')).status).toBe(401);
  });

  it('lists your sessions and signs out another device', async () => {
    const laptop = new Browser(cairn.url);
    const phone = new Browser(cairn.url);
    await laptop.login(OWNER.email, OWNER.password);
    await phone.login(OWNER.email, OWNER.password);
    const list = await laptop.call('GET', '/api/v1/me/sessions');
    expect(list.status).toBe(200);
    const current = list.json.data.filter((s: { current: boolean }) => s.current);
    expect(current).toHaveLength(1);
    const other = list.json.data.find((s: { current: boolean }) => !s.current);
    expect(other).toMatchObject({ ip: expect.stringContaining('127.0.0.1'), impersonated: false });
    expect((await laptop.call('DELETE', `/api/v1/me/sessions/${other.id}`)).status).toBe(204);
    expect((await phone.call('GET', '/api/v1/me')).status).toBe(401);
    expect((await laptop.call('GET', '/api/v1/me')).status).toBe(200);
    expect((await laptop.call('DELETE', `/api/v1/me/sessions/${other.id}`)).status).toBe(404);
  });

  it('revokes the session at logout and clears the cookies', async () => {
    const b = new Browser(cairn.url);
    await b.login(OWNER.email, OWNER.password);
    const cookie = b.cookieHeader();
    const out = await b.call('POST', '/api/v1/auth/logout');
    expect(out.status).toBe(204);
    expect(b.jar.size).toBe(0);
    expect((await api(cairn.url, 'GET', '/api/v1/me', { headers: { cookie } })).status).toBe(401);
  });

  it('revokes every session at a password change', async () => {
    const a = new Browser(cairn.url);
    const b = new Browser(cairn.url);
    await a.login(OWNER.email, OWNER.password);
    await b.login(OWNER.email, OWNER.password);
    const wrong = await a.call('POST', '/api/v1/me/password', { currentPassword: 'not it at all', newPassword: 'another long password' });
    expect(wrong.status).toBe(400);
    const changed = await a.call('POST', '/api/v1/me/password', { currentPassword: OWNER.password, newPassword: 'another long password' });
    expect(changed.status).toBe(204);
    expect((await a.call('GET', '/api/v1/me')).status).toBe(401);
    expect((await b.call('GET', '/api/v1/me')).status).toBe(401);
    await a.login(OWNER.email, 'another long password');
    await a.call('POST', '/api/v1/me/password', { currentPassword: 'another long password', newPassword: OWNER.password });
  });

  it('answers the same 401 for an unknown email and a wrong password', async () => {
    const unknown = await api(cairn.url, 'POST', '/api/v1/auth/login', { body: { email: 'nobody@acme.test', password: 'whatever whatever' } });
    expect(unknown.status).toBe(401);
    expect(unknown.json.error.code).toBe('UNAUTHENTICATED');
    const missing = await api(cairn.url, 'POST', '/api/v1/auth/login', { body: { email: OWNER.email } });
    expect(missing.status).toBe(400);
    expect(missing.json.error.code).toBe('VALIDATION_ERROR');
  });

  it('locks an account after repeated failures, even for the right password, with Retry-After', async () => {
    // a separate account so the other tests keep signing in
    const b = new Browser(cairn.url);
    await b.login(OWNER.email, OWNER.password);
    const orgId = (await b.call('GET', '/api/v1/orgs')).json.data[0].id;
    const inv = await b.call('POST', `/api/v1/orgs/${orgId}/invites`, { email: 'victim@acme.test', role: 'viewer' });
    expect(inv.status).toBe(201);
    const acc = await api(cairn.url, 'POST', '/api/v1/invites/accept', { body: { token: inv.json.data.token, password: 'victim password 123' } });
    expect(acc.status).toBe(200);

    for (let i = 0; i < 3; i++) {
      const r = await api(cairn.url, 'POST', '/api/v1/auth/login', { body: { email: 'victim@acme.test', password: 'wrong password ' + i } });
      expect(r.status).toBe(401);
    }
    const locked = await api(cairn.url, 'POST', '/api/v1/auth/login', { body: { email: 'victim@acme.test', password: 'victim password 123' } });
    expect(locked.status).toBe(429);
    expect(locked.json.error.code).toBe('RATE_LIMITED');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // failed sign-ins are audited in the user's organization
    const audit = await b.call('GET', `/api/v1/orgs/${orgId}/audit?action=auth.login_failed`);
    expect(audit.json.data.length).toBe(3);
  });

  it('locks an IP address after repeated failures across accounts', async () => {
    let last = 0;
    for (let i = 0; i < 10; i++) {
      last = (await api(cairn.url, 'POST', '/api/v1/auth/login', { body: { email: `spray${i}@acme.test`, password: 'guess guess guess' } })).status;
    }
    expect(last).toBe(429);
    await cairn.deps.pg.owner('auth_throttle').delete();
  });
});
