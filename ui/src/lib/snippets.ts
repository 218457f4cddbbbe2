/** Copy-paste snippets that send events to this install, for the SDKs teams already use. */
export interface Snippet {
  id: string;
  label: string;
  language: string;
  code: string;
}

export function snippets(origin: string, token: string): Snippet[] {
  const host = origin.replace(/^https?:\/\//, '');
  const protocol = origin.startsWith('https:') ? 'https' : 'http';
  return [
    {
      id: 'curl',
      label: 'curl',
      language: 'shell',
      code: `curl -sS -X POST '${origin}/api/v1/capture' \\
  -H 'Authorization: Bearer ${token}' \\
  -H 'Content-Type: application/json' \\
  -d '{"event": "signed_up", "distinct_id": "user-123", "properties": {"plan": "pro", "$current_url": "${origin}/signup"}}'`,
    },
    {
      id: 'posthog-js',
      label: 'posthog-js',
      language: 'javascript',
      code: `// npm install posthog-js
import posthog from 'posthog-js';

posthog.init('${token}', {
  api_host: '${origin}',
  disable_surveys: true,
  advanced_disable_feature_flags: true,
});
posthog.identify('user-123', { email: 'ada@example.com' });
posthog.capture('signed_up', { plan: 'pro' });`,
    },
    {
      id: 'posthog-node',
      label: 'posthog-node',
      language: 'javascript',
      code: `// npm install posthog-node
import { PostHog } from 'posthog-node';

const posthog = new PostHog('${token}', { host: '${origin}' });
posthog.capture({ distinctId: 'user-123', event: 'signed_up', properties: { plan: 'pro' } });
await posthog.shutdown();`,
    },
    {
      id: 'analytics-js',
      label: 'Segment analytics.js',
      language: 'javascript',
      code: `// npm install @segment/analytics-next
import { AnalyticsBrowser } from '@segment/analytics-next';

// Settings are given inline, so nothing is fetched from Segment's CDN.
const segment = { apiHost: '${host}/v1', protocol: '${protocol}' };
export const analytics = AnalyticsBrowser.load(
  { writeKey: '${token}', cdnSettings: { integrations: { 'Segment.io': { apiKey: '${token}', ...segment } } } },
  { integrations: { 'Segment.io': segment } },
);
analytics.identify('user-123', { email: 'ada@example.com' });
analytics.track('signed_up', { plan: 'pro' });`,
    },
    {
      id: 'analytics-node',
      label: 'Segment analytics-node',
      language: 'javascript',
      code: `// npm install @segment/analytics-node
import { Analytics } from '@segment/analytics-node';

const analytics = new Analytics({ writeKey: '${token}', host: '${origin}' });
analytics.track({ userId: 'user-123', event: 'signed_up', properties: { plan: 'pro' } });
await analytics.closeAndFlush();`,
    },
  ];
}
