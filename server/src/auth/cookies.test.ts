import { describe, expect, it } from 'vitest';
import { clearedCookies, parseCookies, sessionCookies } from './cookies.js';

describe('cookies', () => {
  it('parses a Cookie header, keeping the first of duplicates', () => {
    const c = parseCookies('a=1; cairn_session=abc%3D; a=2; junk; =x');
    expect(c.get('a')).toBe('1');
    expect(c.get('cairn_session')).toBe('abc=');
    expect(c.size).toBe(2);
  });

  it('makes the session cookie httpOnly and SameSite=Lax, and the CSRF cookie readable', () => {
    const [session, csrf] = sessionCookies({ token: 't', csrfToken: 'c', maxAge: 60, secure: true });
    expect(session).toBe('cairn_session=t; Path=/; Max-Age=60; SameSite=Lax; HttpOnly; Secure');
    expect(csrf).toBe('cairn_csrf=c; Path=/; Max-Age=60; SameSite=Lax; Secure');
    expect(clearedCookies(false)[0]).toBe('cairn_session=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly');
  });
});
