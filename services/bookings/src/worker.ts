import { redact, withPersistedSecrets } from '@ticketing/config';
import { onShutdown, startProbeServer } from '@ticketing/http';
import { drainTimeoutMs, startBookingsWorker } from './bookings/booking-worker.ts';
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
const relay = startOutboxRelay(deps);
// The drain is in place before the first message can be fetched: a SIGTERM that lands while
// the worker is still joining its group waits for it, then drains it, instead of killing a
// payment in flight with the default signal action.
const worker = startBookingsWorker(deps);
onShutdown(
  deps.logger,
  async () => {
    probes.drain();
    // Drain: stop fetching, finish the bookings in flight (their payments included), commit.
    await (await worker).close();
    await relay.close();
    await probes.close();
    await deps.close();
  },
  drainTimeoutMs(config),
);
await worker;
