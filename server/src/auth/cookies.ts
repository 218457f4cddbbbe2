export const SESSION_COOKIE = 'cairn_session';
export const CSRF_COOKIE = 'cairn_csrf';

/** Parses a Cookie header. Later duplicates do not override the first (browsers send the most specific first). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const raw of header.split(';')) {
    const part = raw.trim();
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    if (out.has(name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      out.set(name, value);
    }
  }
  return out;
}

export interface CookieOptions {
  httpOnly: boolean;
  secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
}

export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(o.maxAge))}`,
    'SameSite=Lax',
    ...(o.httpOnly ? ['HttpOnly'] : []),
    ...(o.secure ? ['Secure'] : []),
  ].join('; ');
}

/** The two cookies of a signed-in browser: the httpOnly session and the readable CSRF token. */
export function sessionCookies(s: { token: string; csrfToken: string; maxAge: number; secure: boolean }): string[] {
  return [
    serializeCookie(SESSION_COOKIE, s.token, { httpOnly: true, secure: s.secure, maxAge: s.maxAge }),
    serializeCookie(CSRF_COOKIE, s.csrfToken, { httpOnly: false, secure: s.secure, maxAge: s.maxAge }),
  ];
}

export const clearedCookies = (secure: boolean): string[] => [
  serializeCookie(SESSION_COOKIE, '', { httpOnly: true, secure, maxAge: 0 }),
  serializeCookie(CSRF_COOKIE, '', { httpOnly: false, secure, maxAge: 0 }),
];
