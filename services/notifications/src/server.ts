import { onShutdown } from '@ticketing/http';
import { redact } from '@ticketing/config';
import { buildNotificationsApp } from './app.ts';
import { loadNotificationsConfig } from './config.ts';
import { createNotificationsDeps } from './deps.ts';
import { startNotificationsWorker } from './notifications/notifications.worker.ts';

// The HTTP API and, unless worker.enabled is false (NOTIFICATIONS_RUN_WORKER=false), the
// consumer and reminder scheduler in the same process; src/worker.ts runs the worker alone.
const config = loadNotificationsConfig();
const deps = await createNotificationsDeps(config);
deps.logger.info({ config: redact(config) }, 'starting notification service');
const app = await buildNotificationsApp(deps);
const worker = config.worker.enabled ? await startNotificationsWorker(deps) : undefined;
await app.listen({ host: config.http.host, port: config.http.port });
onShutdown(deps.logger, async () => {
  await app.close();
  await worker?.close();
  await deps.close();
});
