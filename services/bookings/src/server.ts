import { redact, withPersistedSecrets } from '@ticketing/config';
import { drainAndClose, onShutdown } from '@ticketing/http';
import { buildBookingsApp } from './app.ts';
import { serverShutdownTimeoutMs, startBookingsWorker } from './bookings/booking-worker.ts';
import { loadBookingsConfig } from './config.ts';
import { createBookingsDeps } from './deps.ts';
import { startOutboxRelay } from './outbox/start-outbox-relay.ts';

// HTTP entry point. By default the worker pool and the outbox relay run in this process too
// (WORKER_ENABLED=false / OUTBOX_ENABLED=false to run them only in `node src/worker.ts`).
// Outside production, unset JWT secrets are generated once and kept in SECRETS_FILE (.run/secrets.json).
const secrets = withPersistedSecrets(process.env);
const config = loadBookingsConfig(undefined, secrets.env);
const deps = await createBookingsDeps(config);
if (secrets.created) deps.logger.warn({ file: secrets.file }, 'JWT secrets were not set: generated new ones and kept them in this file');
deps.logger.info({ config: redact(config) }, 'starting bookings service');
const app = await buildBookingsApp(deps);
const relay = config.outbox.enabled ? startOutboxRelay(deps) : undefined;
const worker = config.worker.enabled ? await startBookingsWorker(deps) : undefined;
await app.listen({ host: config.http.host, port: config.http.port, backlog: config.http.backlog });
onShutdown(
  deps.logger,
  async () => {
    await drainAndClose(app);
    await worker?.close();
    await relay?.close();
    await deps.close();
  },
  serverShutdownTimeoutMs(config),
);
