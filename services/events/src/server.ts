import { drainAndClose, onShutdown } from '@ticketing/http';
import { redact, withPersistedSecrets } from '@ticketing/config';
import { buildEventsApp } from './app.ts';
import { loadEventsConfig } from './config.ts';
import { createEventsDeps } from './deps.ts';

// Outside production, unset JWT secrets are generated once and kept in SECRETS_FILE (.run/secrets.json).
const secrets = withPersistedSecrets(process.env);
const config = loadEventsConfig(undefined, secrets.env);
const deps = await createEventsDeps(config);
if (secrets.created) deps.logger.warn({ file: secrets.file }, 'JWT secrets were not set: generated new ones and kept them in this file');
deps.logger.info({ config: redact(config) }, 'starting events service');
const app = await buildEventsApp(deps);
await app.listen({ host: config.http.host, port: config.http.port, backlog: config.http.backlog });
deps.sweeper.start();
deps.admissions.start();
deps.waitlist.start();
deps.relay?.start();
onShutdown(deps.logger, async () => {
  await drainAndClose(app);
  await deps.close();
});
