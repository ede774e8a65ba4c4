import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = import.meta.dirname;
const root = resolve(here, '..', '..');

// The registry serves the output at /console (HOOKLINE_CONSOLE_DIR, default dist/console).
export default defineConfig({
  root: here,
  base: '/console/',
  plugins: [react()],
  resolve: {
    alias: {
      '@hookline/sdk': resolve(root, 'libs/sdk/src/index.ts'),
      '@hookline/contracts': resolve(root, 'libs/contracts/src/index.ts'),
    },
  },
  build: {
    outDir: resolve(root, 'dist/console'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
});
