import { randomUUID } from 'node:crypto';

/** A PostHog-shaped browser event of realistic size (~600 bytes of JSON). */
export function sampleEvent(i: number, uuid: string = randomUUID()) {
  return {
    event: i % 5 === 0 ? 'signed up' : '$pageview',
    distinct_id: `bench-user-${i % 5000}`,
    uuid,
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
    Buffer.from(JSON.stringify({ api_key: token, batch: Array.from({ length: perRequest }, () => sampleEvent(i++, slottedUuid())) })),
  );
}

export function singleBodies(token: string, count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from(JSON.stringify({ api_key: token, ...sampleEvent(i, slottedUuid()) })));
}

/** Where a load generator takes its next request body from. */
export interface BodySource {
  next(): Buffer;
}

/** Cycles through `bodies`: for a baseline that stores nothing, repeats do not matter. */
export function cycled(bodies: Buffer[]): BodySource {
  let i = 0;
  return { next: () => bodies[i++ % bodies.length]! };
}

const SLOT = 'fffffffffff0';

/**
 * Bodies whose every event has a uuid never sent before, however long the run: the uuids'
 * last 12 hex digits are written into a copy of a pre-serialised template per request, so
 * generating a body costs about the same as cycling (a copy), and a store that folds repeated
 * uuids cannot make acknowledged and stored counts differ.
 */
export function freshBodies(templates: Buffer[]): BodySource {
  const slots = templates.map((t) => {
    const offsets: number[] = [];
    for (let at = t.indexOf(SLOT); at !== -1; at = t.indexOf(SLOT, at + SLOT.length)) offsets.push(at);
    return offsets;
  });
  let i = 0;
  let counter = 0;
  return {
    next() {
      const k = i++ % templates.length;
      const body = Buffer.from(templates[k]!);
      for (const at of slots[k]!) body.write((counter++).toString(16).padStart(12, '0'), at, 'latin1');
      return body;
    },
  };
}

/** A uuid whose last group is the slot `freshBodies` rewrites; the rest is random per run. */
export const slottedUuid = () => randomUUID().slice(0, 24) + SLOT;
