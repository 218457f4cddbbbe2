/** What both query benchmarks (run.ts, profile.ts) start Cairn with and ask it. */
export const INIT = {
  CAIRN_INIT_ORG_NAME: 'Bench',
  CAIRN_INIT_PROJECT_NAME: 'Bench',
  CAIRN_INIT_PROJECT_TOKEN: 'cairn_pt_bench_0123456789abcdefghijklmnopqrstuv',
  CAIRN_INIT_USER_EMAIL: 'bench@cairn.test',
  CAIRN_INIT_USER_PASSWORD: 'bench password 123',
  CAIRN_INIT_API_KEY: 'cairn_pk_bench_0123456789abcdefghijklmnopqrstuv',
};

export const range = { dateFrom: '2026-09-30', dateTo: '2026-10-29' };
export const funnelSteps = ['$pageview', 'view_item', 'add_to_cart', 'purchase'];
