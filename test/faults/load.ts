// The booking load of the fault matrix: real HTTP clients that register and log in, hold seats,
// submit bookings and follow each to its final state, at a steady rate, with a mix of good,
// declined and flaky cards. A well-behaved client: on 503 with Retry-After it waits and retries;
// a submit whose answer was lost is sent again (it is idempotent per hold); a status poll that
// failed is retried. Every other failure is recorded as a client error, with its time.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Urls {
  users: string;
  events: string;
  bookings: string;
}

export interface ClientError {
  op: string;
  /** When the request that failed was sent, and when it failed (epoch ms). */
  startedAt: number;
  at: number;
  detail: string;
}

export interface AcceptedBooking {
  id: string;
  token: string;
  method: string;
  /** When the flow sent the hold request, and when the submit was answered 202. */
  flowStartedAt: number;
  acceptedAt: number;
  final?: string;
  finalAt?: number;
}

interface User {
  email: string;
  token: string;
}

const PASSWORD = 'fault-matrix-password';
// A slow answer is not an error: a browser waits much longer than this.
const REQUEST_TIMEOUT_MS = 30_000;
/** A flow gives up (and records an error) after this long. */
const FLOW_DEADLINE_MS = 120_000;

class RequestFailed extends Error {}

/** Picks a payment method: mostly good cards, some declined, some that fail twice first. */
function paymentMethod(): string {
  const r = Math.random();
  if (r < 0.7) return 'credit_card';
  if (r < 0.85) return 'card_declined';
  return 'transient_failure';
}

export class BookingLoad {
  readonly errors: ClientError[] = [];
  /** 503 answers with Retry-After that the clients waited out (not errors). */
  readonly retried: { op: string; at: number }[] = [];
  readonly accepted = new Map<string, AcceptedBooking>();
  flowsStarted = 0;
  /** Flows not started because too many were already waiting (the rate is a target, not a promise). */
  flowsSkipped = 0;
  private readonly urls: Urls;
  private readonly users: User[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private loops: Promise<void>[] = [];
  private seats: string[] = [];
  private eventId = '';

  constructor(urls: Urls) {
    this.urls = urls;
  }

  /** Registers and logs in the first users (before any fault). */
  async prepare(count: number): Promise<void> {
    for (let i = 0; i < count; i += 5) {
      await Promise.all(Array.from({ length: Math.min(5, count - i) }, () => this.newUser()));
    }
  }

  /** A token of a prepared user (for setting up events). */
  anyToken(): string {
    return this.users[0]!.token;
  }

  async createEvent(totalSeats: number): Promise<{ eventId: string; seats: string[] }> {
    const token = this.anyToken();
    const event = await this.call('create event', 'POST', `${this.urls.events}/api/events`, {
      token,
      body: {
        name: `Fault matrix ${new Date().toISOString()}`,
        venue: 'Arena',
        city: 'Faultville',
        category: 'music',
        event_date: new Date(Date.now() + 30 * 86400_000).toISOString(),
        total_seats: totalSeats,
        price_per_seat: 25,
      },
      expect: [201],
    });
    const eventId = (event.body as { event_id: string }).event_id;
    const map = await this.call('seat map', 'GET', `${this.urls.events}/api/events/${eventId}/seats`, { expect: [200] });
    const rows = (map.body as { rows: { seats: { seat_number: string }[] }[] }).rows;
    return { eventId, seats: rows.flatMap((r) => r.seats.map((s) => s.seat_number)) };
  }

  /** Starts flows at `rate` per second on the event's seats (each seat is offered once). */
  start(eventId: string, seats: string[], rate: number, maxInFlight = 250): void {
    this.eventId = eventId;
    this.seats = [...seats];
    this.running = true;
    const launch = async () => {
      const interval = 1000 / rate;
      let next = Date.now();
      while (this.running) {
        next += interval;
        if (this.inFlight.size >= maxInFlight) this.flowsSkipped += 1;
        else if (this.seats.length > 0) this.track(this.flow());
        const wait = next - Date.now();
        if (wait > 0) await sleep(wait);
      }
    };
    // Clients keep arriving: a new buyer registers and logs in every half second.
    const churn = async () => {
      while (this.running) {
        this.track(this.newUser().catch(() => {}));
        await sleep(500);
      }
    };
    this.loops = [launch(), churn()];
  }

  /** Stops starting flows and waits for those in flight to finish. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await Promise.all([...this.inFlight]);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async newUser(): Promise<void> {
    const email = `fault.${Date.now()}.${Math.random().toString(36).slice(2)}@example.test`;
    await this.call('register', 'POST', `${this.urls.users}/api/users/register`, {
      body: { email, password: PASSWORD, first_name: 'Fault', last_name: 'Matrix' },
      expect: [201],
    });
    const login = await this.call('login', 'POST', `${this.urls.users}/api/users/login`, {
      body: { email, password: PASSWORD },
      expect: [200],
    });
    this.users.push({ email, token: (login.body as { access_token: string }).access_token });
  }

  private async flow(): Promise<void> {
    this.flowsStarted += 1;
    const flowStartedAt = Date.now();
    const deadline = flowStartedAt + FLOW_DEADLINE_MS;
    const user = this.users[Math.floor(Math.random() * this.users.length)]!;
    const seats = this.seats.splice(0, Math.random() < 0.5 ? 1 : 2);
    const method = paymentMethod();
    try {
      // A hold is not idempotent: after a lost answer the buyer starts over (the hold expires).
      const hold = await this.call('hold', 'POST', `${this.urls.events}/api/events/${this.eventId}/hold`, {
        token: user.token,
        body: { seat_numbers: seats },
        expect: [201],
        deadline,
      });
      const { hold_id: holdId, total_price: amount } = hold.body as { hold_id: string; total_price: number };
      if (!this.running) return;
      const submitted = await this.retrying(deadline, () =>
        this.call('submit', 'POST', `${this.urls.bookings}/api/booking`, {
          token: user.token,
          body: { hold_id: holdId, payment_info: { payment_method: method, amount } },
          expect: [200, 202],
          deadline,
        }),
      );
      const id = (submitted.body as { booking_id: string }).booking_id;
      const booking: AcceptedBooking = { id, token: user.token, method, flowStartedAt, acceptedAt: Date.now() };
      this.accepted.set(id, booking);
      // Polls back off (0.3 s growing to 2 s), as a considerate client does.
      for (let wait = 300; ; wait = Math.min(2000, wait * 1.5)) {
        if (!this.running) return;
        const status = await this.retrying(deadline, () =>
          this.call('status', 'GET', `${this.urls.bookings}/api/booking/${id}/status`, { token: user.token, expect: [200], deadline }),
        );
        const s = (status.body as { status: string }).status;
        if (s !== 'processing') {
          booking.final = s;
          booking.finalAt = Date.now();
          return;
        }
        if (Date.now() > deadline) {
          this.error('final', flowStartedAt, `booking ${id} still processing after ${FLOW_DEADLINE_MS} ms`);
          return;
        }
        await sleep(wait);
      }
    } catch (err) {
      if (!(err instanceof RequestFailed)) this.error('flow', flowStartedAt, String(err));
    }
  }

  /** Retries an idempotent request after a failure (already recorded) until the deadline. */
  private async retrying<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof RequestFailed) || Date.now() > deadline || !this.running) throw err;
        await sleep(500);
      }
    }
  }

  private error(op: string, startedAt: number, detail: string): void {
    this.errors.push({ op, startedAt, at: Date.now(), detail: detail.slice(0, 300) });
  }

  /**
   * One request. 503 with Retry-After is waited out and sent again; any other unexpected answer
   * or a network error is recorded and thrown as RequestFailed.
   */
  private async call(
    op: string,
    method: string,
    url: string,
    opts: { token?: string; body?: unknown; expect: number[]; deadline?: number },
  ): Promise<{ status: number; body: unknown }> {
    const deadline = opts.deadline ?? Date.now() + FLOW_DEADLINE_MS;
    for (;;) {
      const startedAt = Date.now();
      let res: Response;
      let text: string;
      try {
        const headers: Record<string, string> = { accept: 'application/json' };
        if (opts.body !== undefined) headers['content-type'] = 'application/json';
        if (opts.token) headers.authorization = `Bearer ${opts.token}`;
        res = await fetch(url, {
          method,
          headers,
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        text = await res.text();
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        this.error(op, startedAt, `${method} ${new URL(url).pathname}: ${cause ?? (err as Error).name}: ${(err as Error).message}`);
        throw new RequestFailed(op);
      }
      const retryAfter = res.headers.get('retry-after');
      if (res.status === 503 && retryAfter !== null && Date.now() < deadline) {
        // The load is over: the client would wait and retry, but nobody is counting any more.
        if (!this.running) throw new RequestFailed(op);
        this.retried.push({ op, at: Date.now() });
        await sleep(Math.min(30, Math.max(0, Number(retryAfter) || 1)) * 1000);
        continue;
      }
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      if (!opts.expect.includes(res.status)) {
        this.error(op, startedAt, `${method} ${new URL(url).pathname}: ${res.status} ${text.slice(0, 200)}`);
        throw new RequestFailed(op);
      }
      return { status: res.status, body };
    }
  }
}
