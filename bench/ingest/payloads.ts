import { randomUUID } from 'node:crypto';

/** A PostHog-shaped browser event of realistic size (~600 bytes of JSON). */
export function sampleEvent(i: number) {
  return {
    event: i % 5 === 0 ? 'signed up' : '$pageview',
    distinct_id: `bench-user-${i % 5000}`,
    uuid: randomUUID(),
    timestamp: new Date().toISOString(),
    properties: {
      $current_url: `https://shop.example/products/${i % 300}?ref=bench`,
      $referrer: 'https://search.example/',
      $session_id: `s-${i % 2000}`,
      $lib: 'web',
      $lib_version: '1.200.0',
      $browser: 'Chrome',
      $os: 'Mac OS X',
      $device_type: 'Desktop',
      $screen_width: 1512,
      $screen_height: 982,
      plan: i % 3 === 0 ? 'pro' : 'free',
      cart_value: (i % 97) * 1.5,
      tags: ['a', 'b', 'c'],
    },
  };
}

/** `count` request bodies, each a PostHog `/batch` of `perRequest` events (fresh uuids). */
export function batchBodies(token: string, count: number, perRequest: number): Buffer[] {
  let i = 0;
  return Array.from({ length: count }, () =>
    Buffer.from(JSON.stringify({ api_key: token, batch: Array.from({ length: perRequest }, () => sampleEvent(i++)) })),
  );
}

export function singleBodies(token: string, count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from(JSON.stringify({ api_key: token, ...sampleEvent(i) })));
}
