// Dev server (`npm run dev -w apps/web`): hot reload on :5173, with /api forwarded to the
// services by the same path prefixes the edge uses (services/web/src/app.ts).
import { createHash } from 'node:crypto';
import path from 'node:path';
import { build, defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { precacheOf, SHELL_WORKER_URL } from './src/features/check-in/offline-shell.ts';

const env = process.env;
const users = env.USERS_URL ?? 'http://127.0.0.1:8081';
const events = env.EVENTS_URL ?? 'http://127.0.0.1:8082';
const bookings = env.BOOKINGS_URL ?? 'http://127.0.0.1:8083';
const notifications = env.NOTIFICATIONS_URL ?? 'http://127.0.0.1:8084';

/**
 * Builds the scanner's service worker (src/features/check-in/service-worker.ts) after the app,
 * into the same output, as one classic script that imports nothing. It is given the build's
 * shell files and a hash of the whole build: every deploy that changes a file changes the
 * worker's bytes, so browsers install the new worker, which replaces the old one and its cache.
 */
function scannerServiceWorker(): Plugin {
  return {
    name: 'scanner-service-worker',
    apply: 'build',
    async writeBundle(options, bundle) {
      const outDir = options.dir ?? path.resolve(import.meta.dirname, 'dist');
      const hash = createHash('sha256');
      for (const name of Object.keys(bundle).sort()) {
        const file = bundle[name]!;
        hash
          .update(name)
          .update('\0')
          .update(file.type === 'chunk' ? file.code : file.source)
          .update('\0');
      }
      await build({
        configFile: false,
        root: import.meta.dirname,
        logLevel: 'warn',
        publicDir: false,
        define: {
          __SCANNER_SW_VERSION__: JSON.stringify(hash.digest('hex').slice(0, 16)),
          __SCANNER_SW_PRECACHE__: JSON.stringify(precacheOf(Object.keys(bundle))),
        },
        build: {
          outDir,
          emptyOutDir: false,
          copyPublicDir: false,
          sourcemap: false,
          lib: {
            entry: path.resolve(import.meta.dirname, 'src/features/check-in/service-worker.ts'),
            formats: ['iife'],
            name: 'scannerServiceWorker',
            fileName: () => SHELL_WORKER_URL.slice(1),
          },
        },
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), scannerServiceWorker()],
  server: {
    port: Number(env.VITE_PORT ?? 5173),
    proxy: {
      '^/api/users/[^/]+/bookings': bookings,
      '/api/users': users,
      '/api/organizations': users,
      '/api/invitations': users,
      '^/api/events/[^/]+/cancellation': bookings,
      '^/api/events/[^/]+/sales': bookings,
      '^/api/events/[^/]+/check-ins': bookings,
      '/api/events': events,
      '/api/booking': bookings,
      '/api/bookings': bookings,
      '/api/tickets': bookings,
      '/api/notifications': notifications,
      '/api/webhooks': notifications,
      '/api/payments': bookings,
    },
  },
  build: { sourcemap: false, chunkSizeWarningLimit: 1000 },
});
