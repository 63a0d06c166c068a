import { onShutdown } from '@ticketing/http';
import { redact } from '@ticketing/config';
import { buildEventsApp } from './app.ts';
import { loadEventsConfig } from './config.ts';
import { createEventsDeps } from './deps.ts';

const config = loadEventsConfig();
const deps = await createEventsDeps(config);
deps.logger.info({ config: redact(config) }, 'starting events service');
const app = await buildEventsApp(deps);
await app.listen({ host: config.http.host, port: config.http.port });
onShutdown(deps.logger, async () => {
  await app.close();
  await deps.close();
});
