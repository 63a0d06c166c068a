import { createLogger, drainAndClose, onShutdown } from '@ticketing/http';
import { redact } from '@ticketing/config';
import { buildWebApp } from './app.ts';
import { ensureWebBuild } from './build.ts';
import { loadWebConfig } from './config.ts';

const config = loadWebConfig();
const logger = createLogger('web', config.log.level);
logger.info({ config: redact(config) }, 'starting web edge');
// In production images the app is built at image build time; elsewhere build it when stale.
if (config.staticDir === '' && process.env.NODE_ENV !== 'production') await ensureWebBuild((line) => logger.info(line));
const app = await buildWebApp({ config, logger });
// As the services drain (a rolling restart): new requests 503 + Retry-After, requests in flight
// finish, seat-map and proxied event streams end so browsers reconnect to another instance.
onShutdown(logger, () => drainAndClose(app));
await app.listen({ host: config.http.host, port: config.http.port, backlog: config.http.backlog });
