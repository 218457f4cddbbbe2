import type { IngestEvent } from './event.js';
import { parseUserAgent } from './user-agent.parse.js';

/** The common properties the events table keeps as real columns beside the full JSON. */
export interface EventColumns {
  url: string;
  path: string;
  referrer: string;
  browser: string;
  os: string;
  device_type: string;
  country: string;
  session_id: string;
  lib: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function pathOf(url: string): string {
  if (!url) return '';
  try {
    return new URL(url).pathname;
  } catch {
    return url.startsWith('/') ? url.split(/[?#]/)[0]! : '';
  }
}

/** Reads PostHog-style `$` properties (Segment and Cairn events are normalised to them first). */
export function eventColumns(e: Pick<IngestEvent, 'properties'>): EventColumns {
  const p = e.properties;
  const url = str(p.$current_url);
  const ua = parseUserAgent(str(p.$user_agent) || str(p.$raw_user_agent) || undefined);
  return {
    url,
    path: str(p.$pathname) || pathOf(url),
    referrer: str(p.$referrer),
    browser: str(p.$browser) || ua.browser,
    os: str(p.$os) || ua.os,
    device_type: str(p.$device_type) || ua.deviceType,
    country: str(p.$geoip_country_code) || str(p.$country_code),
    session_id: str(p.$session_id),
    lib: str(p.$lib),
  };
}
