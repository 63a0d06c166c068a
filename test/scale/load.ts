// The clients of the scale-out test: buyers spread over every instance of each API, as behind a
// load balancer. What they do when an instance goes away is what a balancer and a well-behaved
// client do, and nothing more:
//   - a connection refused (the instance is stopped or restarting) goes to the next instance of
//     the same service (a balancer does this; it is not a failed request);
//   - 503 with Retry-After is waited out and sent again, to the next instance;
//   - a live stream that ends (its instance drains) is opened again, with Last-Event-ID, on the
//     next instance.
// Anything else (a reset, a 5xx, an unexpected status, a stream that goes backwards) is
// recorded as an error, with its time.
import { readSse } from '@ticketing/testing';
import type { Api } from './cluster.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const PASSWORD = 'scale-out-password';
const REQUEST_TIMEOUT_MS = 30_000;
/** A flow gives up (and records an error) after this long. */
const FLOW_DEADLINE_MS = 150_000;

export interface ClientError {
  op: string;
  at: number;
  detail: string;
}

export interface AcceptedBooking {
  id: string;
  token: string;
  eventId: string;
  /** Instance (index) that accepted the submit, and the one whose stream followed the booking. */
  submittedTo: number;
  streamedFrom: number;
  /** Status versions the stream delivered, in order (Last-Event-ID resumes must never repeat or go back). */
  versions: number[];
  final?: string;
  reconnects: number;
}

class RequestFailed extends Error {}

interface User {
  token: string;
}

export class Clients {
  readonly errors: ClientError[] = [];
  /** 503 + Retry-After answers waited out, per service. */
  readonly retried: Record<string, number> = {};
  /** Connections refused that went to the next instance, per service. */
  readonly failovers: Record<string, number> = {};
  /** Streams opened again after their instance ended them. */
  streamReconnects = 0;
  private readonly urls: () => Record<Api, string[]>;
  private readonly turn: Record<string, number> = {};
  readonly users: User[] = [];

  constructor(urls: () => Record<Api, string[]>) {
    this.urls = urls;
  }

  error(op: string, detail: string): void {
    this.errors.push({ op, at: Date.now(), detail: detail.slice(0, 400) });
  }

  /** The next instance of a service, in turn (as a balancer spreads connections). */
  private pick(api: Api): { index: number; url: string } {
    const list = this.urls()[api];
    const index = (this.turn[api] = ((this.turn[api] ?? -1) + 1) % list.length);
    return { index, url: list[index]! };
  }

  /**
   * One request to any instance of `api` (or to `prefer`'s instance first). Refused connections and
   * 503 + Retry-After go to the next instance; anything unexpected is recorded and thrown.
   */
  async call(
    api: Api,
    op: string,
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; expect: number[]; deadline?: number; prefer?: number },
  ): Promise<{ status: number; body: unknown; instance: number }> {
    const deadline = opts.deadline ?? Date.now() + FLOW_DEADLINE_MS;
    let target = opts.prefer === undefined ? this.pick(api) : { index: opts.prefer, url: this.urls()[api][opts.prefer]! };
    let refusedInARow = 0;
    for (;;) {
      let res: Response;
      let text: string;
      try {
        const headers: Record<string, string> = { accept: 'application/json' };
        if (opts.body !== undefined) headers['content-type'] = 'application/json';
        if (opts.token) headers.authorization = `Bearer ${opts.token}`;
        res = await fetch(target.url + path, {
          method,
          headers,
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        text = await res.text();
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code;
        if (code === 'ECONNREFUSED' && Date.now() < deadline) {
          this.failovers[api] = (this.failovers[api] ?? 0) + 1;
          // Every instance refused: both are restarting; a balancer keeps trying too.
          if (++refusedInARow >= this.urls()[api].length) await sleep(200);
          target = this.pick(api);
          continue;
        }
        this.error(op, `${method} ${target.url}${path}: ${code ?? (err as Error).name}: ${(err as Error).message}`);
        throw new RequestFailed(op);
      }
      refusedInARow = 0;
      const retryAfter = res.headers.get('retry-after');
      if (res.status === 503 && retryAfter !== null && Date.now() < deadline) {
        this.retried[api] = (this.retried[api] ?? 0) + 1;
        await sleep(Math.min(5, Math.max(0, Number(retryAfter) || 1)) * 1000);
        target = this.pick(api);
        continue;
      }
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      if (!opts.expect.includes(res.status)) {
        this.error(op, `${method} ${target.url}${path}: ${res.status} ${text.slice(0, 300)}`);
        throw new RequestFailed(op);
      }
      return { status: res.status, body, instance: target.index };
    }
  }

  /**
   * Follows a Server-Sent-Events stream on `api`, starting at instance `first`: when the
   * instance ends it without `isDone()`, it is opened again on the next instance with the last
   * event id received. Resolves once `isDone()` after an event, or at the deadline (an error).
   */
  async follow(
    api: Api,
    op: string,
    path: string,
    opts: {
      token?: string;
      first: number;
      deadline: number;
      onEvent: (event: string, data: unknown, id: string | undefined) => void;
      isDone: () => boolean;
      onReconnect?: () => void;
      /** Ends the stream from outside (the client closes it). */
      signal?: AbortSignal;
    },
  ): Promise<void> {
    let lastId: string | undefined;
    let index = opts.first;
    let opened = false;
    for (;;) {
      if (opts.signal?.aborted) return;
      if (Date.now() > opts.deadline) {
        this.error(op, `${path}: not done by its deadline`);
        return;
      }
      const url = this.urls()[api][index]!;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), Math.max(0, opts.deadline - Date.now()));
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        if (opts.token) headers.authorization = `Bearer ${opts.token}`;
        if (lastId !== undefined) headers['last-event-id'] = lastId;
        const signal = opts.signal ? AbortSignal.any([controller.signal, opts.signal]) : controller.signal;
        const res = await fetch(url + path, { headers, signal });
        if (res.status === 503 && res.headers.get('retry-after') !== null) {
          await res.body?.cancel();
          this.retried[api] = (this.retried[api] ?? 0) + 1;
          await sleep(Math.min(5, Number(res.headers.get('retry-after')) || 1) * 1000);
          index = (index + 1) % this.urls()[api].length;
          continue;
        }
        if (res.status !== 200 || !res.body) {
          this.error(op, `GET ${url}${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
          return;
        }
        if (opened) {
          this.streamReconnects++;
          opts.onReconnect?.();
        }
        opened = true;
        await readSse(res.body, (block) => {
          if (block.id !== undefined) lastId = block.id;
          if (block.event === undefined || block.data === undefined) return;
          opts.onEvent(block.event, JSON.parse(block.data), block.id);
          if (opts.isDone()) controller.abort();
        });
        if (opts.isDone() || opts.signal?.aborted) return;
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code;
        if (opts.isDone() || opts.signal?.aborted) return;
        if (code === 'ECONNREFUSED') {
          this.failovers[api] = (this.failovers[api] ?? 0) + 1;
          await sleep(100);
        } else if ((err as Error).name !== 'AbortError') {
          // A stream cut without its end (a reset) is still resumed, but it is recorded.
          this.error(op, `GET ${url}${path}: ${code ?? (err as Error).name}: ${(err as Error).message}`);
        }
      } finally {
        clearTimeout(timer);
      }
      // The instance ended the stream (it drains): resume on the next one.
      index = (index + 1) % this.urls()[api].length;
    }
  }

  /** Registers and logs in `count` buyers, spread over the users instances. */
  async prepareUsers(count: number): Promise<void> {
    for (let i = 0; i < count; i += 5) {
      await Promise.all(
        Array.from({ length: Math.min(5, count - i) }, async () => {
          const email = `scale.${Date.now()}.${Math.random().toString(36).slice(2)}@example.test`;
          await this.call('users', 'register', 'POST', '/api/users/register', {
            body: { email, password: PASSWORD, first_name: 'Scale', last_name: 'Out' },
            expect: [201],
          });
          const login = await this.call('users', 'login', 'POST', '/api/users/login', {
            body: { email, password: PASSWORD },
            expect: [200],
          });
          this.users.push({ token: (login.body as { access_token: string }).access_token });
        }),
      );
    }
  }

  randomUser(): User {
    return this.users[Math.floor(Math.random() * this.users.length)]!;
  }

  async createEvent(totalSeats: number): Promise<{ eventId: string; seats: string[] }> {
    const event = await this.call('events', 'create event', 'POST', '/api/events', {
      token: this.users[0]!.token,
      body: {
        name: `Scale-out ${new Date().toISOString()}`,
        venue: 'Arena',
        city: 'Scaleville',
        category: 'music',
        event_date: new Date(Date.now() + 30 * 86400_000).toISOString(),
        total_seats: totalSeats,
        price_per_seat: 25,
      },
      expect: [201],
    });
    const eventId = (event.body as { event_id: string }).event_id;
    const map = await this.call('events', 'seat map', 'GET', `/api/events/${eventId}/seats`, { expect: [200] });
    const rows = (map.body as { rows: { seats: { seat_number: string }[] }[] }).rows;
    return { eventId, seats: rows.flatMap((r) => r.seats.map((s) => s.seat_number)) };
  }

  /**
   * Submits a booking for a hold and follows it on a bookings instance other than the one that
   * accepted it, to its final status (the worker that processes it is a third process).
   */
  async book(user: User, eventId: string, holdId: string, amount: number, method: string, accepted: AcceptedBooking[]): Promise<void> {
    const deadline = Date.now() + FLOW_DEADLINE_MS;
    const submitted = await this.retrying(deadline, () =>
      this.call('bookings', 'submit', 'POST', '/api/booking', {
        token: user.token,
        body: { hold_id: holdId, payment_info: { payment_method: method, amount } },
        expect: [200, 202],
        deadline,
      }),
    );
    const id = (submitted.body as { booking_id: string }).booking_id;
    const instances = this.urls().bookings.length;
    const booking: AcceptedBooking = {
      id,
      token: user.token,
      eventId,
      submittedTo: submitted.instance,
      streamedFrom: (submitted.instance + 1) % instances,
      versions: [],
      reconnects: 0,
    };
    accepted.push(booking);
    await this.follow('bookings', 'booking stream', `/api/booking/${id}/stream`, {
      token: user.token,
      first: booking.streamedFrom,
      deadline,
      onEvent: (event, data, eventId) => {
        if (event === 'status') booking.versions.push(Number(eventId));
        if (event === 'complete') booking.final = (data as { final_status: string }).final_status;
      },
      isDone: () => booking.final !== undefined,
      onReconnect: () => booking.reconnects++,
    });
  }

  /** Retries an idempotent request after a recorded failure, until the deadline. */
  async retrying<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof RequestFailed) || Date.now() > deadline) throw err;
        await sleep(500);
      }
    }
  }

  /** A hold, then the booking followed to its end; a refused hold (seats taken) is no error. */
  async flow(eventId: string, seats: string[], method: string, accepted: AcceptedBooking[]): Promise<'booked' | 'refused' | 'failed'> {
    const user = this.randomUser();
    try {
      const hold = await this.call('events', 'hold', 'POST', `/api/events/${eventId}/hold`, {
        token: user.token,
        body: { seat_numbers: seats },
        expect: [201, 409],
      });
      if (hold.status === 409) return 'refused';
      const { hold_id: holdId, total_price: amount } = hold.body as { hold_id: string; total_price: number };
      await this.book(user, eventId, holdId, amount, method, accepted);
      return 'booked';
    } catch (err) {
      if (!(err instanceof RequestFailed)) this.error('flow', String(err));
      return 'failed';
    }
  }
}

/** Mostly good cards, some declined, some that fail transiently first. */
export function paymentMethod(): string {
  const r = Math.random();
  if (r < 0.75) return 'credit_card';
  if (r < 0.9) return 'card_declined';
  return 'transient_failure';
}

/**
 * A steady load: flows started at `rate` per second on the event's seats (each seat offered
 * once), until stop().
 */
export class SteadyLoad {
  readonly accepted: AcceptedBooking[] = [];
  flows = 0;
  private running = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private loop: Promise<void> | undefined;

  private readonly clients: Clients;
  private readonly eventId: string;
  private readonly seats: string[];

  constructor(clients: Clients, eventId: string, seats: string[]) {
    this.clients = clients;
    this.eventId = eventId;
    this.seats = [...seats];
  }

  start(rate: number): void {
    this.running = true;
    this.loop = (async () => {
      let next = Date.now();
      while (this.running && this.seats.length > 0) {
        next += 1000 / rate;
        this.flows++;
        const p = this.clients.flow(this.eventId, this.seats.splice(0, Math.random() < 0.5 ? 1 : 2), paymentMethod(), this.accepted);
        this.inFlight.add(p);
        void p.finally(() => this.inFlight.delete(p));
        const wait = next - Date.now();
        if (wait > 0) await sleep(wait);
      }
    })();
  }

  /** Stops starting flows and waits for those in flight to end. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all([...this.inFlight]);
  }
}
