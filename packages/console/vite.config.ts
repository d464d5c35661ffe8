import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The console is served by @mamori/server at "/"; in development Vite proxies the API to a local server.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: {
    proxy: { '/api': process.env.MAMORI_DEV_API ?? 'http://127.0.0.1:8080' },
  },
});
