import { drainAndClose, onShutdown } from '@ticketing/http';
import { redact, withPersistedSecrets } from '@ticketing/config';
import { buildUsersApp } from './app.ts';
import { loadUsersConfig } from './config.ts';
import { createUsersDeps } from './deps.ts';

// Outside production, unset JWT secrets are generated once and kept in SECRETS_FILE (.run/secrets.json).
const secrets = withPersistedSecrets(process.env);
const config = loadUsersConfig(undefined, secrets.env);
const deps = await createUsersDeps(config);
if (secrets.created) deps.logger.warn({ file: secrets.file }, 'JWT secrets were not set: generated new ones and kept them in this file');
deps.logger.info({ config: redact(config) }, 'starting users service');
const app = await buildUsersApp(deps);
await app.listen({ host: config.http.host, port: config.http.port, backlog: config.http.backlog });
deps.relay?.start();
deps.announcer.start();
onShutdown(deps.logger, async () => {
  await drainAndClose(app);
  await deps.close();
});
