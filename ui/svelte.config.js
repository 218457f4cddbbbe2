import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    // A single-page app served by the Cairn server; every unknown path falls back to index.html.
    adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true }),
    // Scripts are hashed into the policy, so `default-src 'self'` holds without 'unsafe-inline'.
    csp: { mode: 'hash', directives: { 'default-src': ['self'], 'img-src': ['self', 'data:', 'blob:'], 'style-src': ['self', 'unsafe-inline'] } },
  },
};
