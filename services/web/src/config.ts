import { httpSection, loadServiceConfig, logSection, Type, type DeepPartial, type Static } from '@ticketing/config';

const url = (port: number) => Type.String({ default: `http://127.0.0.1:${port}`, minLength: 1 });

export const WebConfigSchema = Type.Object({
  http: httpSection(8080),
  log: logSection,
  /** Where each service's HTTP API listens; `/api/...` is forwarded by path prefix. */
  upstreams: Type.Object({ users: url(8081), events: url(8082), bookings: url(8083), notifications: url(8084) }, { default: {} }),
  /** The built web app (apps/web/dist); empty = the one in this repository. */
  staticDir: Type.String({ default: '' }),
  proxy: Type.Object(
    {
      /** A stopped service answers in this time with a JSON 503 instead of a hang. @defaultValue 2000 */
      connectTimeoutMs: Type.Integer({ default: 2000, minimum: 100 }),
      /** Time to the upstream's response headers before a JSON 504. @defaultValue 30000 */
      headersTimeoutMs: Type.Integer({ default: 30_000, minimum: 100 }),
    },
    { default: {} },
  ),
  seatStream: Type.Object(
    {
      /**
       * One stream from the event service per event, fanned out to its browsers by the edge
       * (src/seat-stream-relay.ts); false: each browser's stream is proxied on its own. @defaultValue true
       */
      fanout: Type.Boolean({ default: true }),
      /** The heartbeat comment the edge sends its seat-map browsers. @defaultValue 15000 */
      heartbeatMs: Type.Integer({ default: 15_000, minimum: 100 }),
    },
    { default: {} },
  ),
});

export type WebConfig = Static<typeof WebConfigSchema>;

/** The environment variables this service reads besides the common ones (commonEnv), by config path. */
export const webEnv = {
  WEB_PORT: 'http.port',
  WEB_STATIC_DIR: 'staticDir',
  USERS_URL: 'upstreams.users',
  EVENTS_URL: 'upstreams.events',
  BOOKINGS_URL: 'upstreams.bookings',
  NOTIFICATIONS_URL: 'upstreams.notifications',
  WEB_PROXY_CONNECT_TIMEOUT_MS: 'proxy.connectTimeoutMs',
  WEB_PROXY_HEADERS_TIMEOUT_MS: 'proxy.headersTimeoutMs',
  WEB_SEAT_STREAM_FANOUT: 'seatStream.fanout',
  WEB_SEAT_STREAM_HEARTBEAT_MS: 'seatStream.heartbeatMs',
} as const;

export function loadWebConfig(overrides?: DeepPartial<WebConfig>, env: NodeJS.ProcessEnv = process.env): Readonly<WebConfig> {
  return loadServiceConfig({
    service: 'web',
    schema: WebConfigSchema,
    defaultFile: new URL('../config.yaml', import.meta.url),
    env,
    overrides,
    envMap: webEnv,
  });
}
