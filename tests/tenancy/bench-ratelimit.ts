// Ad-hoc: per-request cost of the rate-limit counters. Run: npx tsx tests/tenancy/bench-ratelimit.ts <on|off>
import { api, INIT, startTestCairn } from '../support/cairn.js';

const mode = process.argv[2] ?? 'on';
const limit = mode === 'on' ? '100000000' : '0';
const cairn = await startTestCairn({ ...INIT, CAIRN_RATE_LIMIT_USER_PER_HOUR: limit, CAIRN_RATE_LIMIT_ORG_PER_HOUR: limit });
const orgs = await api(cairn.url, 'GET', '/api/v1/orgs', { token: INIT.CAIRN_INIT_API_KEY });
const path = `/api/v1/orgs/${orgs.json.data[0].id}/projects`;
for (let i = 0; i < 100; i++) await api(cairn.url, 'GET', path, { token: INIT.CAIRN_INIT_API_KEY });
const n = 2000;
const t0 = performance.now();
for (let i = 0; i < n; i++) await api(cairn.url, 'GET', path, { token: INIT.CAIRN_INIT_API_KEY });
const ms = (performance.now() - t0) / n;
console.log(JSON.stringify({ mode, requests: n, msPerRequest: Number(ms.toFixed(3)) }));
await cairn.destroy();
