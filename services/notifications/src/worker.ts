import { onShutdown, startProbeServer } from '@ticketing/http';
import { redact, withPersistedSecrets } from '@ticketing/config';
import { loadNotificationsConfig } from './config.ts';
import { createNotificationsDeps } from './deps.ts';
import { startNotificationsWorker } from './notifications/notifications.worker.ts';

// The consumer and reminder scheduler alone (no HTTP): scale it separately from the API.
// Outside production, unset JWT secrets are generated once and kept in SECRETS_FILE (.run/secrets.json).
const secrets = withPersistedSecrets(process.env);
const config = loadNotificationsConfig(undefined, secrets.env);
const deps = await createNotificationsDeps(config);
if (secrets.created) deps.logger.warn({ file: secrets.file }, 'JWT secrets were not set: generated new ones and kept them in this file');
deps.logger.info({ config: redact(config) }, 'starting notification worker');
const probes = await startProbeServer({
  service: 'notifications-worker',
  logger: deps.logger,
  metrics: deps.metrics.registry,
  healthChecks: {
    postgres: { check: () => deps.db.ping(), required: true },
    kafka: { check: () => deps.bus.ping(), required: true },
  },
  healthExtras: () => ({ ...deps.stats }),
  host: config.workerHttp.host,
  port: config.workerHttp.port,
});
// The drain is in place before the first message can be fetched (see the bookings worker).
const worker = startNotificationsWorker(deps);
onShutdown(
  deps.logger,
  async () => {
    probes.drain();
    await (await worker).close();
    await probes.close();
    await deps.close();
  },
  config.worker.drainTimeoutMs,
);
await worker;
