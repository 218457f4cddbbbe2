import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INIT, startTestCairn, type TestCairn } from '../support/cairn.js';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

describe('password reset delivered by a configured SMTP server', () => {
  let cairn: TestCairn;
  let smtp: SMTPServer;
  const inbox: Received[] = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, done) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          inbox.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const { port } = smtp.server.address() as AddressInfo;
    cairn = await startTestCairn({ ...INIT, CAIRN_SMTP_URL: `smtp://127.0.0.1:${port}`, CAIRN_SMTP_FROM: 'Cairn <no-reply@cairn.test>', CAIRN_PUBLIC_URL: 'http://cairn.test', CAIRN_TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await cairn?.destroy();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('mails a single-use link that sets a new password', async () => {
    const res = await api(cairn.url, 'POST', '/api/v1/auth/password-reset', { body: { email: INIT.CAIRN_INIT_USER_EMAIL } });
    expect(res.status).toBe(202);
    // delivery happens after the answer (so its timing says nothing about the account)
    for (let i = 0; i < 200 && inbox.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(inbox).toHaveLength(1);
    expect(inbox[0]!.to).toEqual([INIT.CAIRN_INIT_USER_EMAIL]);
    expect(inbox[0]!.from).toBe('no-reply@cairn.test');
    const unfolded = inbox[0]!.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    const token = /reset-password\?token=([\w%-]+)/.exec(unfolded)?.[1];
    expect(token).toMatch(/^cairn_pr_/);
    const ok = await api(cairn.url, 'POST', '/api/v1/auth/password-reset/confirm', { body: { token: decodeURIComponent(token!), password: 'mailed new password' } });
    expect(ok.status).toBe(204);
    expect((await api(cairn.url, 'POST', '/api/v1/auth/login', { body: { email: INIT.CAIRN_INIT_USER_EMAIL, password: 'mailed new password' } })).status).toBe(200);
  });

  it('sends nothing for an unknown email, and answers the same', async () => {
    const res = await api(cairn.url, 'POST', '/api/v1/auth/password-reset', { body: { email: 'ghost@nowhere.test' } });
    expect(res.status).toBe(202);
    // a known address mailed after it arrives first: the unknown one produced nothing
    await api(cairn.url, 'POST', '/api/v1/auth/password-reset', { body: { email: INIT.CAIRN_INIT_USER_EMAIL } });
    for (let i = 0; i < 200 && inbox.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(inbox.map((m) => m.to[0])).toEqual([INIT.CAIRN_INIT_USER_EMAIL, INIT.CAIRN_INIT_USER_EMAIL]);
  });

  it('sends at most five reset mails per address and hour', async () => {
    for (let i = 0; i < 6; i++) {
      expect((await api(cairn.url, 'POST', '/api/v1/auth/password-reset', { body: { email: INIT.CAIRN_INIT_USER_EMAIL } })).status).toBe(202);
    }
    const tokens = await cairn.deps.pg.owner('password_resets as r').join('users as u', 'u.id', 'r.user_id').where('u.email', INIT.CAIRN_INIT_USER_EMAIL).count({ n: '*' });
    expect(Number(tokens[0]!.n)).toBe(5);
    for (let i = 0; i < 200 && inbox.length < 5; i++) await new Promise((r) => setTimeout(r, 50));
    expect(inbox).toHaveLength(5);
  });

  it('marks cookies Secure when the request came over TLS through a trusted proxy', async () => {
    const tls = await api(cairn.url, 'POST', '/api/v1/auth/login', {
      body: { email: INIT.CAIRN_INIT_USER_EMAIL, password: 'mailed new password' },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(tls.status).toBe(200);
    for (const c of tls.headers.getSetCookie()) expect(c).toMatch(/; Secure/);
    const plain = await api(cairn.url, 'POST', '/api/v1/auth/login', { body: { email: INIT.CAIRN_INIT_USER_EMAIL, password: 'mailed new password' } });
    for (const c of plain.headers.getSetCookie()) expect(c).not.toMatch(/Secure/);
  });
});
