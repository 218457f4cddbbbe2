// A client-rendered app: the server serves build/index.html for every page.
export const ssr = false;
export const prerender = false;
