// Dev server (`npm run dev -w apps/web`): hot reload on :5173, with /api forwarded to the
// services by the same path prefixes the edge uses (services/web/src/app.ts).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const env = process.env;
const users = env.USERS_URL ?? 'http://127.0.0.1:8081';
const events = env.EVENTS_URL ?? 'http://127.0.0.1:8082';
const bookings = env.BOOKINGS_URL ?? 'http://127.0.0.1:8083';
const notifications = env.NOTIFICATIONS_URL ?? 'http://127.0.0.1:8084';

export default defineConfig({
  plugins: [react()],
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
