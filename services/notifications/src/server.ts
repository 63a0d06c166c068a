import { drainAndClose, onShutdown } from '@ticketing/http';
import { redact, withPersistedSecrets } from '@ticketing/config';
import { buildNotificationsApp } from './app.ts';
import { loadNotificationsConfig } from './config.ts';
import { createNotificationsDeps } from './deps.ts';
import { startNotificationsWorker } from './notifications/notifications.worker.ts';

// The HTTP API and, unless worker.enabled is false (NOTIFICATIONS_RUN_WORKER=false), the
// consumer and reminder scheduler in the same process; src/worker.ts runs the worker alone.
// Outside production, unset JWT secrets are generated once and kept in SECRETS_FILE (.run/secrets.json).
const secrets = withPersistedSecrets(process.env);
const config = loadNotificationsConfig(undefined, secrets.env);
const deps = await createNotificationsDeps(config);
if (secrets.created) deps.logger.warn({ file: secrets.file }, 'JWT secrets were not set: generated new ones and kept them in this file');
deps.logger.info({ config: redact(config) }, 'starting notification service');
const app = await buildNotificationsApp(deps);
const worker = config.worker.enabled ? await startNotificationsWorker(deps) : undefined;
await app.listen({ host: config.http.host, port: config.http.port, backlog: config.http.backlog });
onShutdown(deps.logger, async () => {
  await drainAndClose(app);
  await worker?.close();
  await deps.close();
});
