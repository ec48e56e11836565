import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where the local system's nginx listens: the dev server forwards the API and the socket there. */
const backend = process.env.CHAT_BACKEND_URL ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // The protocol and client workspaces publish compiled CommonJS in dist/; the app bundles their TypeScript
    // source instead, so they need no build step and tree-shake as ESM.
    alias: {
      '@chat/protocol': fileURLToPath(new URL('../protocol/src/index.ts', import.meta.url)),
      '@chat/client': fileURLToPath(new URL('../client/src/index.ts', import.meta.url)),
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: backend, changeOrigin: true },
      '/socket.io': { target: backend, changeOrigin: true, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    sourcemap: true,
    target: 'es2022',
  },
});
