// A live seat map as the web app keeps one: the seat stream of an event, followed across the
// events instances (Clients.follow resumes it elsewhere when its instance drains). Each
// connection starts with a `snapshot`, on which the map is read again; the changes received on
// that connection are applied over the map once it is read, so none falls between the two.
import type { Clients } from './load.ts';

interface SeatEvent {
  seats: string[];
  status: string;
}

export class SeatWatcher {
  readonly status = new Map<string, string>();
  /** Connections (the first one included) and seat maps read. */
  connections = 0;
  reloads = 0;
  private buffer: SeatEvent[] | undefined = [];
  private readonly stopping = new AbortController();
  private reloading: Promise<void> | undefined;
  private following: Promise<void> | undefined;

  private readonly clients: Clients;
  private readonly eventId: string;

  constructor(clients: Clients, eventId: string) {
    this.clients = clients;
    this.eventId = eventId;
  }

  start(first: number, deadline: number): void {
    this.connections = 1;
    this.following = this.clients.follow('events', 'seat stream', `/api/events/${this.eventId}/seats/stream`, {
      first,
      deadline,
      onEvent: (event, data) => {
        // A failed read is recorded by the client; the next connection's snapshot reads again.
        if (event === 'snapshot') this.reloading = this.reload().catch(() => undefined);
        else if (event === 'seats') {
          const change = data as SeatEvent;
          if (this.buffer) this.buffer.push(change);
          else this.apply(change);
        }
      },
      isDone: () => false,
      signal: this.stopping.signal,
      onReconnect: () => {
        this.connections++;
        this.buffer = [];
      },
    });
  }

  private apply(change: SeatEvent): void {
    for (const seat of change.seats) this.status.set(seat, change.status);
  }

  private async reload(): Promise<void> {
    this.buffer ??= [];
    const map = await this.clients.call('events', 'seat map', 'GET', `/api/events/${this.eventId}/seats`, { expect: [200] });
    this.reloads++;
    for (const row of (map.body as { rows: { seats: { seat_number: string; status: string }[] }[] }).rows) {
      for (const seat of row.seats) this.status.set(seat.seat_number, seat.status);
    }
    for (const change of this.buffer.splice(0)) this.apply(change);
    this.buffer = undefined;
  }

  /** Seats this client sees booked. */
  booked(): string[] {
    return [...this.status].filter(([, s]) => s === 'booked').map(([seat]) => seat);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.following;
    await this.reloading;
  }
}
