import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveExternalIdentity } from '../../server/src/auth/providers.js';
import { api, INIT, startTestCairn, type TestCairn } from '../support/cairn.js';
import { Browser } from './helpers.js';
import { makeTenant, OWNER, PASSWORD, rootBrowser, type Tenant } from './fixtures.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('accounts: API keys, invitations, password reset, SSO seam', () => {
  let cairn: TestCairn;
  let root: Browser;
  let t: Tenant;
  beforeAll(async () => {
    cairn = await startTestCairn({ ...INIT, CAIRN_PUBLIC_URL: 'https://cairn.example' });
    root = await rootBrowser(cairn);
    t = await makeTenant(cairn, 'Accounts', root);
  });
  afterAll(() => cairn?.destroy());

  it('marks cookies Secure when the public URL is https, and checks Origin against it', async () => {
    const res = await api(cairn.url, 'POST', '/api/v1/auth/login', { body: { email: OWNER.email, password: OWNER.password } });
    for (const c of res.headers.getSetCookie()) expect(c).toMatch(/; Secure/);
    const b = new Browser(cairn.url, { origin: 'https://cairn.example' });
    await b.login(OWNER.email, OWNER.password);
    expect((await b.call('PATCH', '/api/v1/me', { name: 'Root' })).status).toBe(200);
    const evil = new Browser(cairn.url, { origin: cairn.url });
    const refused = await evil.call('POST', '/api/v1/auth/login', { email: OWNER.email, password: OWNER.password });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('CSRF_FAILED');
  });

  describe('personal API keys', () => {
    it('shows a key once, stores only its hash, and lists it without the key', async () => {
      const b = t.users.member.browser;
      const created = await b.call('POST', '/api/v1/me/api-keys', { name: 'ci', scopes: ['read', 'write'] });
      expect(created.status).toBe(201);
      const key = created.json.data.key as string;
      expect(key).toMatch(/^cairn_pk_/);
      expect(created.json.data).toMatchObject({ name: 'ci', scopes: ['read', 'write'], expiresAt: null, lastUsedAt: null, revokedAt: null });
      const stored = await cairn.deps.pg.owner('api_keys').where({ id: created.json.data.id }).first();
      expect(stored.key_hash).toBe(sha256(key));
      expect(JSON.stringify(stored)).not.toContain(key);
      const list = await b.call('GET', '/api/v1/me/api-keys');
      expect(list.text).not.toContain(key);
      expect(list.json.data.find((k: { id: string }) => k.id === created.json.data.id).prefix).toBe(key.slice(0, 13));

      expect((await api(cairn.url, 'GET', '/api/v1/me', { token: key })).status).toBe(200);
      const used = (await b.call('GET', '/api/v1/me/api-keys')).json.data.find((k: { id: string }) => k.id === created.json.data.id);
      expect(used.lastUsedAt).toEqual(expect.any(String));

      expect((await b.call('DELETE', `/api/v1/me/api-keys/${created.json.data.id}`)).status).toBe(204);
      expect((await api(cairn.url, 'GET', '/api/v1/me', { token: key })).status).toBe(401);
      expect((await b.call('DELETE', `/api/v1/me/api-keys/${created.json.data.id}`)).status).toBe(404);
      // another user's key id is simply not found
      expect((await t.users.viewer.browser.call('DELETE', `/api/v1/me/api-keys/${t.keyId}`)).status).toBe(404);
    });

    it('refuses an expired key and a past expiry', async () => {
      const b = t.users.member.browser;
      const past = await b.call('POST', '/api/v1/me/api-keys', { name: 'old', scopes: ['read'], expiresAt: '2020-01-01T00:00:00Z' });
      expect(past.status).toBe(400);
      const soon = await b.call('POST', '/api/v1/me/api-keys', { name: 'soon', scopes: ['read'], expiresAt: new Date(Date.now() + 60_000).toISOString() });
      expect(soon.status).toBe(201);
      await cairn.deps.pg.owner('api_keys').where({ id: soon.json.data.id }).update({ expires_at: new Date(Date.now() - 1000).toISOString() });
      const res = await api(cairn.url, 'GET', '/api/v1/me', { token: soon.json.data.key });
      expect(res.status).toBe(401);
      const bad = await b.call('POST', '/api/v1/me/api-keys', { name: 'x', scopes: ['root'] });
      expect(bad.status).toBe(400);
      expect(bad.json.error.fields[0].path).toMatch(/^body\.scopes/);
    });
  });

  describe('invitations', () => {
    it('are single use and expire', async () => {
      const admin = t.users.admin.key;
      const inv = await api(cairn.url, 'POST', `/api/v1/orgs/${t.orgId}/invites`, { token: admin, body: { email: 'New.Person@Accounts.test', role: 'member' } });
      expect(inv.status).toBe(201);
      expect(inv.json.data.acceptUrl).toBe(`https://cairn.example/invite?token=${inv.json.data.token}`);
      const stored = await cairn.deps.pg.owner('invitations').where({ id: inv.json.data.id }).first();
      expect(stored.token_hash).toBe(sha256(inv.json.data.token));
      const about = await api(cairn.url, 'GET', `/api/v1/invites/${inv.json.data.token}`);
      expect(about.json.data).toMatchObject({ organizationName: 'Accounts', email: 'new.person@accounts.test', role: 'member', accountExists: false });
      const noPassword = await api(cairn.url, 'POST', '/api/v1/invites/accept', { body: { token: inv.json.data.token } });
      expect(noPassword.status).toBe(400);
      const b = new Browser(cairn.url);
      const ok = await b.call('POST', '/api/v1/invites/accept', { token: inv.json.data.token, password: PASSWORD });
      expect(ok.status).toBe(200);
      expect(ok.json.data).toMatchObject({ organizationId: t.orgId, role: 'member', accountCreated: true });
      expect((await b.call('GET', '/api/v1/me')).json.data.organizations[0].id).toBe(t.orgId);
      const again = await api(cairn.url, 'POST', '/api/v1/invites/accept', { body: { token: inv.json.data.token, password: PASSWORD } });
      expect(again.status).toBe(400);
      expect((await api(cairn.url, 'GET', `/api/v1/invites/${inv.json.data.token}`)).status).toBe(404);

      const late = await api(cairn.url, 'POST', `/api/v1/orgs/${t.orgId}/invites`, { token: admin, body: { email: 'late@accounts.test' } });
      await cairn.deps.pg.owner('invitations').where({ id: late.json.data.id }).update({ expires_at: new Date(Date.now() - 1000).toISOString() });
      expect((await api(cairn.url, 'POST', '/api/v1/invites/accept', { body: { token: late.json.data.token, password: PASSWORD } })).status).toBe(400);

      const revoked = await api(cairn.url, 'POST', `/api/v1/orgs/${t.orgId}/invites`, { token: admin, body: { email: 'nope@accounts.test' } });
      expect((await api(cairn.url, 'DELETE', `/api/v1/orgs/${t.orgId}/invites/${revoked.json.data.id}`, { token: admin })).status).toBe(204);
      expect((await api(cairn.url, 'POST', '/api/v1/invites/accept', { body: { token: revoked.json.data.token, password: PASSWORD } })).status).toBe(400);
      expect((await api(cairn.url, 'POST', `/api/v1/orgs/${t.orgId}/invites`, { token: admin, body: { email: t.users.viewer.email } })).status).toBe(409);
    });

    it('make an existing account sign in as itself to accept', async () => {
      const other = await makeTenant(cairn, 'Elsewhere', root);
      const inv = await api(cairn.url, 'POST', `/api/v1/orgs/${other.orgId}/invites`, { token: other.users.admin.key, body: { email: t.users.viewer.email, role: 'viewer' } });
      const anon = await api(cairn.url, 'POST', '/api/v1/invites/accept', { body: { token: inv.json.data.token } });
      expect(anon.status).toBe(401);
      const wrong = await api(cairn.url, 'POST', '/api/v1/invites/accept', { token: t.users.member.key, body: { token: inv.json.data.token } });
      expect(wrong.status).toBe(403);
      const right = await t.users.viewer.browser.call('POST', '/api/v1/invites/accept', { token: inv.json.data.token });
      expect(right.status).toBe(200);
      expect(right.json.data.accountCreated).toBe(false);
      const orgs = await api(cairn.url, 'GET', '/api/v1/orgs', { token: t.users.viewer.key });
      expect(orgs.json.data.map((o: { id: string }) => o.id).sort()).toEqual([t.orgId, other.orgId].sort());
    });
  });

  describe('password reset', () => {
    it('answers 202 either way, stores the token hashed, and uses it once, ending every session', async () => {
      expect((await api(cairn.url, 'POST', '/api/v1/auth/password-reset', { body: { email: 'nobody@nowhere.test' } })).status).toBe(202);
      const user = t.users.admin;
      const before = await cairn.deps.pg.owner('password_resets').count({ n: '*' });
      const res = await api(cairn.url, 'POST', '/api/v1/auth/password-reset', { body: { email: user.email.toUpperCase() } });
      expect(res.status).toBe(202);
      const rows = await cairn.deps.pg.owner('password_resets').where({ user_id: user.id }).select();
      expect(rows).toHaveLength(1);
      expect(Number(before[0]!.n) + 1).toBe(Number((await cairn.deps.pg.owner('password_resets').count({ n: '*' }))[0]!.n));
      // the link went to the log; stand in for the mailbox by giving the row a token we know
      const token = 'cairn_pr_known_token_for_the_test_0123456789';
      await cairn.deps.pg.owner('password_resets').where({ id: rows[0].id }).update({ token_hash: sha256(token) });

      await user.browser.login(user.email, PASSWORD);
      const short = await api(cairn.url, 'POST', '/api/v1/auth/password-reset/confirm', { body: { token, password: 'short' } });
      expect(short.status).toBe(400);
      const ok = await api(cairn.url, 'POST', '/api/v1/auth/password-reset/confirm', { body: { token, password: 'a brand new password' } });
      expect(ok.status).toBe(204);
      expect((await user.browser.call('GET', '/api/v1/me')).status).toBe(401);
      const reuse = await api(cairn.url, 'POST', '/api/v1/auth/password-reset/confirm', { body: { token, password: 'yet another password' } });
      expect(reuse.status).toBe(400);
      expect(reuse.json.error.fields[0].path).toBe('body.token');
      expect((await api(cairn.url, 'POST', '/api/v1/auth/login', { body: { email: user.email, password: PASSWORD } })).status).toBe(401);
      expect((await api(cairn.url, 'POST', '/api/v1/auth/login', { body: { email: user.email, password: 'a brand new password' } })).status).toBe(200);
    });
  });

  describe('auth-provider seam', () => {
    it('resolves an external identity to a member, links it, and refuses strangers unless provisioning', async () => {
      const id = { provider: 'test-oidc', subject: 'sub-123', email: t.users.member.email, organizationId: t.orgId };
      const first = await resolveExternalIdentity(cairn.deps, id);
      expect(first).toEqual({ userId: t.users.member.id, created: false });
      const again = await resolveExternalIdentity(cairn.deps, { ...id, email: 'changed@idp.test' });
      expect(again.userId).toBe(t.users.member.id);
      await expect(resolveExternalIdentity(cairn.deps, { ...id, subject: 'sub-999', email: 'stranger@idp.test' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const jit = await resolveExternalIdentity(cairn.deps, { ...id, subject: 'sub-999', email: 'stranger@idp.test' }, { provisionAs: 'viewer' });
      expect(jit.created).toBe(true);
      const members = await api(cairn.url, 'GET', `/api/v1/orgs/${t.orgId}/members`, { token: t.users.owner.key });
      expect(members.json.data.find((m: { userId: string }) => m.userId === jit.userId)).toMatchObject({ email: 'stranger@idp.test', role: 'viewer' });
    });
  });
});
