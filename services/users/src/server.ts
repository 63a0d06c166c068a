import { onShutdown } from '@ticketing/http';
import { redact } from '@ticketing/config';
import { buildUsersApp } from './app.ts';
import { loadUsersConfig } from './config.ts';
import { createUsersDeps } from './deps.ts';

const config = loadUsersConfig();
const deps = await createUsersDeps(config);
deps.logger.info({ config: redact(config) }, 'starting users service');
const app = await buildUsersApp(deps);
await app.listen({ host: config.http.host, port: config.http.port });
onShutdown(deps.logger, async () => {
  await app.close();
  await deps.close();
});
