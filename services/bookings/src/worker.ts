import { redact, withPersistedSecrets } from '@ticketing/config';
import { onShutdown, startProbeServer } from '@ticketing/http';
import { startBookingsWorker } from './bookings/booking-worker.ts';
import { loadBookingsConfig } from './config.ts';
import { createBookingsDeps } from './deps.ts';
import { startOutboxRelay } from './outbox/start-outbox-relay.ts';

// Worker entry point: the booking worker pool, the reconciler and an outbox relay (for the
// notification messages the workers write), without HTTP. Scale it out by running more.
// Outside production, unset JWT secrets are generated once and kept in SECRETS_FILE (.run/secrets.json).
const secrets = withPersistedSecrets(process.env);
const config = loadBookingsConfig(undefined, secrets.env);
const deps = await createBookingsDeps(config);
if (secrets.created) deps.logger.warn({ file: secrets.file }, 'JWT secrets were not set: generated new ones and kept them in this file');
deps.logger.info({ config: redact(config) }, 'starting bookings worker');
const relay = startOutboxRelay(deps);
const worker = await startBookingsWorker(deps);
const probes = await startProbeServer({
  service: 'bookings-worker',
  logger: deps.logger,
  metrics: deps.metrics.registry,
  healthChecks: {
    postgres: { check: () => deps.db.ping(), required: true },
    // A worker without Kafka has nothing to do; readiness says so (liveness does not restart it).
    kafka: { check: () => deps.bus.ping(), required: true },
    redis: { check: () => deps.cache.ping(), required: false },
  },
  host: config.workerHttp.host,
  port: config.workerHttp.port,
});
onShutdown(
  deps.logger,
  async () => {
    probes.drain();
    // Drain: stop fetching, finish the bookings in flight (their payments included), commit.
    await worker.close();
    await relay.close();
    await probes.close();
    await deps.close();
  },
  Math.max(15_000, config.payments.latencyMs * 4 + 5_000),
);
