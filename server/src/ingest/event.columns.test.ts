import { describe, expect, it } from 'vitest';
import { eventColumns } from './event.columns.js';

describe('eventColumns', () => {
  it('takes the $ properties and derives path and agent details', () => {
    expect(
      eventColumns({
        properties: {
          $current_url: 'https://shop.example/cart?x=1#top',
          $referrer: 'https://search.example/',
          $session_id: 's-1',
          $lib: 'web',
          $user_agent: 'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36',
          $geoip_country_code: 'FR',
        },
      }),
    ).toEqual({
      url: 'https://shop.example/cart?x=1#top',
      path: '/cart',
      referrer: 'https://search.example/',
      browser: 'Chrome',
      os: 'Windows',
      device_type: 'Desktop',
      country: 'FR',
      session_id: 's-1',
      lib: 'web',
    });
  });

  it('prefers explicit $browser/$os/$pathname and tolerates wrong types', () => {
    const c = eventColumns({ properties: { $browser: 'Firefox', $os: 'Linux', $pathname: '/a', $current_url: 42, $session_id: { x: 1 } } });
    expect(c).toMatchObject({ browser: 'Firefox', os: 'Linux', path: '/a', url: '42', session_id: '' });
  });
});
