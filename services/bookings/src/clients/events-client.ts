import { issueInternalToken } from '@ticketing/auth';
import {
  holdSeatPrices,
  internalEventOwner,
  internalEventSales,
  internalHold,
  releasedSeats,
  type ReleasedSeats,
  type ReleaseSeatsBody,
  type ConfirmHoldBody,
  type InternalEventOwner,
  type InternalEventSales,
  type InternalHold,
  type LockHoldBody,
  type ReleaseHoldBody,
  type Validator,
} from '@ticketing/contracts';
import { TransientError, messageOf } from '@ticketing/errors';
import { createLimiter } from '@ticketing/tasks';
import { Pool } from 'undici';

/** A hold as the event service's internal API returns it (docs/internal-api.md, @ticketing/contracts). */
export type Hold = InternalHold;

/** Why the event service refused a hold call, as the booking service understands it. */
export type HoldRefusal = 'hold_not_found' | 'hold_not_active' | 'hold_expired' | 'amount_mismatch' | 'seats_unavailable';

/**
 * The event service refused a hold call for good. Its codes belong to its own catalog: they are
 * mapped here, at the boundary, to the few refusals the booking service acts on, and each use
 * case turns them into its own errors (never matching the event service's codes as strings).
 */
export class HoldRefusedError extends Error {
  readonly refusal: HoldRefusal;
  /** For amount_mismatch: the hold's total (an amount). */
  readonly expected: number | undefined;
  constructor(refusal: HoldRefusal, message: string, expected?: number) {
    super(message);
    this.name = 'HoldRefusedError';
    this.refusal = refusal;
    this.expected = expected;
  }
}

/** The event service's refusal codes (docs/internal-api.md) the booking service knows. */
const REFUSALS: Readonly<Record<string, HoldRefusal>> = {
  hold_not_found: 'hold_not_found',
  hold_not_active: 'hold_not_active',
  hold_expired: 'hold_expired',
  amount_mismatch: 'amount_mismatch',
  seats_unavailable: 'seats_unavailable',
};

/** A 404 without a known code is still an unknown hold; any other unknown refusal is a bug (plain Error). */
function toHoldRefusal(status: number, code: unknown): HoldRefusal | undefined {
  const known = typeof code === 'string' && Object.hasOwn(REFUSALS, code) ? REFUSALS[code] : undefined;
  if (known && (status === 404 || status === 409)) return known;
  return status === 404 ? 'hold_not_found' : undefined;
}

/** Per-call context: the request id of the HTTP request or message being handled. */
export interface CallContext {
  requestId?: string | undefined;
}

/** The booking service's view of the event service (a port, so the embedded mode can call in-process). */
export interface EventsClient {
  getHold(holdId: string, ctx?: CallContext): Promise<Hold>;
  lockHold(holdId: string, body: LockHoldBody, ctx?: CallContext): Promise<Hold>;
  confirmHold(holdId: string, body: ConfirmHoldBody, ctx?: CallContext): Promise<Hold>;
  releaseHold(holdId: string, body: ReleaseHoldBody, ctx?: CallContext): Promise<Hold>;
  /** Who owns the event (its organization), or undefined when there is no such event. */
  getEventOwner(eventId: string, ctx?: CallContext): Promise<InternalEventOwner | undefined>;
  /** The event's seats per section now (sold, held, available), or undefined when there is no such event. */
  getEventSales(eventId: string, ctx?: CallContext): Promise<InternalEventSales | undefined>;
  /** Puts seats of a confirmed booking back on sale (idempotent: `released` names what this call freed). */
  releaseSeats(holdId: string, body: ReleaseSeatsBody, ctx?: CallContext): Promise<ReleasedSeats>;
  /** The price of each seat of a hold, by label (amounts). */
  seatPrices(holdId: string, ctx?: CallContext): Promise<Record<string, number>>;
}

export interface HttpEventsClientOptions {
  baseUrl: string;
  timeoutMs: number;
  /**
   * Calls in flight at once from this process; more wait their turn here. Keeps a busy worker
   * pool (hundreds of bookings in flight) from opening a connection per booking and from
   * flooding the event service's database pool. @defaultValue 64
   */
  maxConcurrent?: number;
  jwt: { internalSecret: string; issuer: string };
  /** @defaultValue bookings */
  service?: string;
}

const TOKEN_TTL_S = 300;

/**
 * Calls the event service's internal API over HTTP with a service token. Its refusals of a hold
 * become HoldRefusedErrors; 5xx, 429, timeouts and network errors become TransientErrors (worth
 * retrying); anything else is a plain Error (a bug on one side).
 */
export function createHttpEventsClient(opts: HttpEventsClientOptions): EventsClient {
  const base = opts.baseUrl.replace(/\/+$/, '');
  let token = '';
  let tokenRenewAt = 0;
  const internalToken = () => {
    const now = Date.now();
    if (now >= tokenRenewAt) {
      token = issueInternalToken(opts.service ?? 'bookings', {
        secret: opts.jwt.internalSecret,
        issuer: opts.jwt.issuer,
        ttlSeconds: TOKEN_TTL_S,
        now,
      });
      // Renewed well before it expires, so a token never dies in flight.
      tokenRenewAt = now + (TOKEN_TTL_S / 2) * 1000;
    }
    return token;
  };

  const maxConcurrent = opts.maxConcurrent ?? 64;
  const inFlight = createLimiter(maxConcurrent);
  // undici's own request API over kept-alive connections, one per call in flight: the same
  // client as the global fetch without its WHATWG streams, Headers and AbortSignal per call
  // (fetch was 20 % of the booking API's CPU, two calls per booking).
  const origin = new URL(base);
  const prefix = origin.pathname.replace(/\/+$/, '');
  const pool = new Pool(origin.origin, { connections: maxConcurrent });
  const call = (method: 'GET' | 'POST', path: string, body: unknown, ctx: CallContext = {}): Promise<Hold> =>
    inFlight.run(() => send(method, path, body, ctx, internalHold));

  async function send<T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    ctx: CallContext,
    contract: Pick<Validator<never>, 'problems'> & { check(value: unknown): value is T },
  ): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${internalToken()}`, accept: 'application/json' };
    if (ctx.requestId) headers['x-request-id'] = ctx.requestId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: { status: number };
    let text: string;
    const started = performance.now();
    try {
      const answer = await pool.request({
        method,
        path: prefix + path,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // The call's time limit: for the answer to start, and again for its (small) body.
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      });
      res = { status: answer.statusCode };
      text = await answer.body.text();
    } catch (err) {
      const ms = Math.round(performance.now() - started);
      // Which call, after how long, and how busy this side was: a timeout's cause is on one side or the other.
      throw new TransientError(
        `event service unreachable: ${method} ${path}: ${messageOf(err)} after ${ms} ms (${inFlight.active} of ${inFlight.limit} calls in flight)`,
        { cause: err },
      );
    }
    if (res.status >= 200 && res.status < 300) {
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch (err) {
        throw new TransientError(`event service answered ${res.status} with a body that is not JSON`, { cause: err });
      }
      // An answer off the contract (a version skew during a deploy) is worth another try later, never trusted.
      if (!contract.check(answer)) {
        throw new TransientError(
          `event service answered ${method} ${path} with a body off its contract: ${contract.problems(answer, 3).join('; ')}`,
        );
      }
      return answer;
    }
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      throw new TransientError(`event service answered ${res.status} to ${method} ${path}`);
    }
    let parsed: { error?: unknown; message?: unknown; details?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // Left empty: the status alone decides below.
    }
    const refusal = toHoldRefusal(res.status, parsed.error);
    if (refusal) {
      const upstream = typeof parsed.message === 'string' ? parsed.message : `status ${res.status}`;
      const expected = (parsed.details as { expected?: unknown } | undefined)?.expected;
      throw new HoldRefusedError(refusal, `event service: ${upstream}`, typeof expected === 'number' ? expected : undefined);
    }
    throw new Error(`event service answered ${res.status} to ${method} ${path}: ${text.slice(0, 200)}`);
  }

  const holdPath = (holdId: string) => `/internal/holds/${encodeURIComponent(holdId)}`;
  return {
    getHold: (holdId, ctx) => call('GET', holdPath(holdId), undefined, ctx),
    lockHold: (holdId, body, ctx) => call('POST', `${holdPath(holdId)}/lock`, body, ctx),
    confirmHold: (holdId, body, ctx) => call('POST', `${holdPath(holdId)}/confirm`, body, ctx),
    releaseHold: (holdId, body, ctx) => call('POST', `${holdPath(holdId)}/release`, body, ctx),
    releaseSeats: (holdId, body, ctx = {}) =>
      inFlight.run(() => send('POST', `${holdPath(holdId)}/release-seats`, body, ctx, releasedSeats)),
    async seatPrices(holdId, ctx = {}) {
      return (await inFlight.run(() => send('GET', `${holdPath(holdId)}/prices`, undefined, ctx, holdSeatPrices))).prices;
    },
    async getEventOwner(eventId, ctx = {}) {
      try {
        return await inFlight.run(() => send('GET', `/internal/events/${encodeURIComponent(eventId)}`, undefined, ctx, internalEventOwner));
      } catch (err) {
        // The hold refusal mapping reads any 404 as hold_not_found: here it means no such event.
        if (err instanceof HoldRefusedError && err.refusal === 'hold_not_found') return undefined;
        throw err;
      }
    },
    async getEventSales(eventId, ctx = {}) {
      try {
        return await inFlight.run(() =>
          send('GET', `/internal/events/${encodeURIComponent(eventId)}/sales`, undefined, ctx, internalEventSales),
        );
      } catch (err) {
        if (err instanceof HoldRefusedError && err.refusal === 'hold_not_found') return undefined;
        throw err;
      }
    },
  };
}
