import { redact } from '@ticketing/config';
import { onShutdown } from '@ticketing/http';
import { buildBookingsApp } from './app.ts';
import { startBookingsWorker } from './bookings/booking-worker.ts';
import { loadBookingsConfig } from './config.ts';
import { createBookingsDeps } from './deps.ts';
import { startOutboxRelay } from './outbox/start-outbox-relay.ts';

// HTTP entry point. By default the worker pool and the outbox relay run in this process too
// (WORKER_ENABLED=false / OUTBOX_ENABLED=false to run them only in `node src/worker.ts`).
const config = loadBookingsConfig();
const deps = await createBookingsDeps(config);
deps.logger.info({ config: redact(config) }, 'starting bookings service');
const app = await buildBookingsApp(deps);
const relay = config.outbox.enabled ? startOutboxRelay(deps) : undefined;
const worker = config.worker.enabled ? await startBookingsWorker(deps) : undefined;
await app.listen({ host: config.http.host, port: config.http.port });
onShutdown(deps.logger, async () => {
  await app.close();
  await worker?.close();
  await relay?.close();
  await deps.close();
});
