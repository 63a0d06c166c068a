import { onShutdown } from '@ticketing/http';
import { redact } from '@ticketing/config';
import { loadNotificationsConfig } from './config.ts';
import { createNotificationsDeps } from './deps.ts';
import { startNotificationsWorker } from './notifications/notifications.worker.ts';

// The consumer and reminder scheduler alone (no HTTP): scale it separately from the API.
const config = loadNotificationsConfig();
const deps = await createNotificationsDeps(config);
deps.logger.info({ config: redact(config) }, 'starting notification worker');
const worker = await startNotificationsWorker(deps);
onShutdown(deps.logger, async () => {
  await worker.close();
  await deps.close();
});
