// An operator sees each admitting waiting room on /metrics: buyers waiting and admitted in the
// last minute, per event (waiting_room_waiting, waiting_room_admitted_last_minute).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueId } from '@ticketing/testing';
import { createEvent, startEvents, type EventsServer } from './helpers.ts';

let server: EventsServer;
before(async () => {
  server = await startEvents({ redis: { keyPrefix: `${uniqueId('wrm')}:` }, waitingRoom: { admitIntervalMs: 50, settingsCacheMs: 0 } });
});
after(async () => server.close());

function gauge(text: string, name: string, eventId: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`event_id="${eventId}"`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('waiting room metrics', () => {
  it('reports the buyers waiting and admitted per admitting event', async () => {
    const organizer = server.user();
    const event = await createEvent(server.api, organizer.token, { total_seats: 20, seats_per_row: 10 });
    // One admission a second: the first buyers get in one by one, the others wait.
    const room = await server.api('PUT', `/api/events/${event.event_id}/waiting-room`, {
      token: organizer.token,
      body: { enabled: true, opens_at: new Date().toISOString(), admit_per_minute: 60, grace_seconds: 3600 },
    });
    assert.equal(room.status, 200, room.text);
    for (let i = 0; i < 4; i++) {
      const joined = await server.api('POST', `/api/events/${event.event_id}/queue`, { token: server.user().token });
      assert.ok(joined.status === 200 || joined.status === 201, joined.text);
    }
    let waiting: number | undefined;
    let admitted: number | undefined;
    for (let i = 0; i < 200; i++) {
      const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
      waiting = gauge(text, 'waiting_room_waiting', event.event_id);
      admitted = gauge(text, 'waiting_room_admitted_last_minute', event.event_id);
      if (waiting !== undefined && admitted !== undefined && waiting + admitted === 4 && admitted >= 1) break;
      await sleep(50);
    }
    assert.ok(admitted !== undefined && admitted >= 1, `admitted ${admitted}`);
    assert.equal((waiting ?? 0) + admitted, 4, `waiting ${waiting}, admitted ${admitted}`);
  });
});
