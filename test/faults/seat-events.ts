// Seat events on Kafka (docs/events.md): every hold transition of an event must reach the
// `seat-events` topic, Kafka outages included. Read back from the private broker and compared
// with the holds in SQL.
import { randomUUID } from 'node:crypto';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import type pg from 'pg';

export interface LostSeatEvents {
  /** Holds of the event with no `seats.held` message, and confirmed holds with no `seats.booked`. */
  missingHeld: string[];
  missingBooked: string[];
  read: number;
}

export async function lostSeatEvents(db: pg.Client, brokers: string, eventId: string, topic = 'seat-events'): Promise<LostSeatEvents> {
  const seen = new Set<string>();
  let read = 0;
  const consumer = new Consumer({
    clientId: 'fault-matrix',
    bootstrapBrokers: [brokers],
    groupId: `fault-matrix-${randomUUID()}`,
    deserializers: stringDeserializers,
  });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 100 });
    // Read until the topic has been quiet for 3 s (every event published so far has arrived).
    await new Promise<void>((resolve, reject) => {
      let timer = setTimeout(resolve, 3_000);
      stream.on('data', (msg: { value?: string }) => {
        read += 1;
        clearTimeout(timer);
        timer = setTimeout(resolve, 3_000);
        try {
          const e = JSON.parse(msg.value ?? '{}') as { type?: string; event_id?: string; hold_id?: string };
          if (e.event_id === eventId) seen.add(`${e.type}:${e.hold_id}`);
        } catch {
          // not ours to judge here
        }
      });
      stream.once('error', reject);
    });
    await stream.close().catch(() => {});
  } finally {
    await consumer.close(true).catch(() => {});
  }
  const { rows } = await db.query<{ id: string; status: string }>(`SELECT id, status FROM events.holds WHERE event_id = $1`, [eventId]);
  return {
    missingHeld: rows.filter((h) => !seen.has(`seats.held:${h.id}`)).map((h) => h.id),
    missingBooked: rows.filter((h) => h.status === 'confirmed' && !seen.has(`seats.booked:${h.id}`)).map((h) => h.id),
    read,
  };
}
