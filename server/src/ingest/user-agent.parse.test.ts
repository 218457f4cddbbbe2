import { describe, expect, it } from 'vitest';
import { parseUserAgent } from './user-agent.parse.js';

describe('parseUserAgent', () => {
  it('recognises common desktop and mobile browsers', () => {
    expect(parseUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36')).toEqual({
      browser: 'Chrome', os: 'Windows', deviceType: 'Desktop',
    });
    expect(parseUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1')).toEqual({
      browser: 'Safari', os: 'iOS', deviceType: 'Mobile',
    });
    expect(parseUserAgent('Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36')).toMatchObject({
      os: 'Android', deviceType: 'Tablet',
    });
    expect(parseUserAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Gecko/20100101 Firefox/121.0').browser).toBe('Firefox');
    expect(parseUserAgent('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0').browser).toBe('Microsoft Edge');
  });

  it('answers empty strings for no or unknown agents', () => {
    expect(parseUserAgent(undefined)).toEqual({ browser: '', os: '', deviceType: '' });
    expect(parseUserAgent('something-else/1.0')).toEqual({ browser: '', os: '', deviceType: '' });
  });
});
