import http from 'node:http';
import https from 'node:https';
import { guardedLookup } from '@ticketing/http';

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** What one HTTP attempt gave: a status code, or an error before any answer. */
export interface WebhookResponse {
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
}

export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookResponse>;
  close(): void;
}

/** How much of an answer is read (and thrown away) so the connection can be reused. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs webhook bodies with keep-alive connections. Unless `allowInsecureTargets`, the address
 * every connection is made to is checked after DNS resolution (`guardedLookup`): a name that
 * resolves to a private or loopback address is refused before a byte is sent. Redirects are not
 * followed (a 3xx is a failed attempt), so a redirect cannot lead to an internal address either.
 */
export function createWebhookSender(opts: { timeoutMs: number; allowInsecureTargets: boolean; userAgent: string }): WebhookSender {
  const agentOptions = { keepAlive: true, maxSockets: 256, ...(opts.allowInsecureTargets ? {} : { lookup: guardedLookup }) };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

  function send(request: WebhookRequest): Promise<WebhookResponse> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: Omit<WebhookResponse, 'latencyMs'>) => {
        if (settled) return;
        settled = true;
        resolve({ ...r, latencyMs: latency() });
      };
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        return done({ statusCode: null, error: 'not a valid URL' });
      }
      const secure = url.protocol === 'https:';
      if (!secure && !(opts.allowInsecureTargets && url.protocol === 'http:'))
        return done({ statusCode: null, error: 'only https:// URLs are allowed' });
      const client = secure ? https : http;
      const req = client.request(
        url,
        {
          method: 'POST',
          agent: secure ? agents.https : agents.http,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(request.body),
            'user-agent': opts.userAgent,
            ...request.headers,
          },
          timeout: opts.timeoutMs,
        },
        (res) => {
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_RESPONSE_BYTES) res.destroy();
          });
          const finish = () => done({ statusCode: res.statusCode ?? null, error: null });
          res.on('end', finish);
          res.on('close', finish);
          res.on('error', finish);
        },
      );
      // The whole attempt, not only an idle socket, is bounded.
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) =>
        done({ statusCode: null, error: err.code ? `${err.code}: ${err.message}` : err.message }),
      );
      req.end(request.body);
    });
  }

  return {
    send,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
