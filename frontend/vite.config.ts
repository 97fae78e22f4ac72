import { defineConfig } from 'vitest/config';

// `npm run dev` proxies the API and /config.json to a local uvicorn
// (HERALD_API, default http://127.0.0.1:8000) so the dev server behaves like
// the single-origin deployment.
// (Read through globalThis so the config type-checks without @types/node.)
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const backend = env.HERALD_API ?? 'http://127.0.0.1:8000';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    target: 'es2020',
    sourcemap: false,
  },
  server: {
    // The cost page reads the price table and the calibrated model from the repository (only those).
    fs: { allow: ['.', '../pricing', '../bench/results'] },
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/config.json': { target: backend },
      // the dev console's data (not the /_local page itself, which is the SPA)
      '^/_local/': { target: backend },
      '/ws': { target: backend.replace(/^http/, 'ws'), ws: true },
    },
  },
  test: {
    environment: 'node',
    include: ['tests/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
