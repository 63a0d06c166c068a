import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiRequest } from '@ticketing/testing';
import { assertError, newEvent, PROFILES, startEvents, type EventsServer } from './helpers.ts';

let server: EventsServer;
let api: ApiRequest;

/** Floor rows A–B (4 seats, 80.00), Balcony rows C–E (6 seats, 45.50), Accessible row F (2 seats, 30.00). */
const SECTIONS = [
  { name: 'Floor', rows: 2, seats_per_row: 4, price: 80 },
  { name: 'Balcony', rows: 3, seats_per_row: 6, price: 45.5 },
  { name: 'Accessible', rows: 1, seats_per_row: 2, price: 30 },
];

function sectionedEvent(sections: unknown = SECTIONS) {
  const { total_seats: _t, price_per_seat: _p, seats_per_row: _s, ...rest } = newEvent();
  return { ...rest, sections };
}

for (const profile of PROFILES) {
  describe(`sections and prices (${profile} adapters)`, () => {
    before(async () => {
      server = await startEvents({}, {}, profile);
      api = server.api;
    });
    after(async () => server.close());

    async function create(body: unknown = sectionedEvent()) {
      const res = await api('POST', '/api/events', { token: server.user().token, body });
      assert.equal(res.status, 201, res.text);
      return res.body as { event_id: string; total_seats: number; price_per_seat: number; sections: Record<string, unknown>[] };
    }

    describe('POST /api/events with sections', () => {
      it('lays the sections out one after another, rows continuing, each with its price', async () => {
        const ev = await create();
        assert.equal(ev.total_seats, 8 + 18 + 2);
        assert.equal(ev.price_per_seat, 30, 'the lowest section price');
        assert.deepEqual(ev.sections, [
          { name: 'Floor', price: 80, first_seat_no: 1, seat_count: 8, first_row: 0, rows: 2, seats_per_row: 4 },
          { name: 'Balcony', price: 45.5, first_seat_no: 9, seat_count: 18, first_row: 2, rows: 3, seats_per_row: 6 },
          { name: 'Accessible', price: 30, first_seat_no: 27, seat_count: 2, first_row: 5, rows: 1, seats_per_row: 2 },
        ]);
        const { rows } = await server.sql.query<{ seat_no: number; label: string }>(
          `SELECT seat_no, label FROM seats WHERE event_id = $1 AND seat_no IN (1, 8, 9, 26, 27, 28) ORDER BY seat_no`,
          [ev.event_id],
        );
        assert.deepEqual(
          rows.map((r) => r.label),
          ['A1', 'B4', 'C1', 'E6', 'F1', 'F2'],
        );
      });

      it('keeps the single-price form as one section named General', async () => {
        const ev = await create(newEvent({ total_seats: 25, seats_per_row: 10, price_per_seat: 12.5 }));
        assert.deepEqual(ev.sections, [
          { name: 'General', price: 12.5, first_seat_no: 1, seat_count: 25, first_row: 0, rows: 3, seats_per_row: 10 },
        ]);
      });

      const bad: [string, unknown, string][] = [
        ['sections and total_seats together', { ...sectionedEvent(), total_seats: 28 }, 'total_seats'],
        ['sections and price_per_seat together', { ...sectionedEvent(), price_per_seat: 10 }, 'price_per_seat'],
        ['no layout at all', { ...sectionedEvent(), sections: undefined }, 'total_seats'],
        ['an empty list of sections', sectionedEvent([]), 'sections'],
        ['two sections with one name', sectionedEvent([SECTIONS[0], { ...SECTIONS[1], name: ' floor ' }]), 'sections[1].name'],
        ['a blank section name', sectionedEvent([{ ...SECTIONS[0], name: '   ' }]), 'sections[0].name'],
        ['a price with three decimals', sectionedEvent([{ ...SECTIONS[0], price: 10.005 }]), 'sections[0].price'],
        ['a zero price', sectionedEvent([{ ...SECTIONS[0], price: 0 }]), 'sections.0.price'],
        ['more than 100,000 seats in all', sectionedEvent([{ ...SECTIONS[0], rows: 1000, seats_per_row: 101 }]), 'sections'],
        ['an unknown section field', sectionedEvent([{ ...SECTIONS[0], price_per_seat: 3 }]), 'sections.0.price_per_seat'],
      ];
      for (const [what, body, field] of bad) {
        it(`refuses ${what} with a 400 naming the field`, async () => {
          const res = await api('POST', '/api/events', { token: server.user().token, body });
          assertError(res, 400, 'validation_failed');
          const fields = Object.keys(res.body.details?.fields ?? {}).join(' ');
          assert.ok(fields.includes(field), `details ${JSON.stringify(res.body.details)} name ${field}`);
        });
      }
    });

    describe('seat maps', () => {
      it('return the sections with their prices, and each row its section', async () => {
        const ev = await create();
        const full = await api('GET', `/api/events/${ev.event_id}/seats`);
        assert.equal(full.status, 200, full.text);
        assert.deepEqual(full.body.sections, ev.sections);
        assert.deepEqual(
          full.body.rows.map((r: { row: string; section: string; seats: unknown[] }) => `${r.row}:${r.section}:${r.seats.length}`),
          ['A:Floor:4', 'B:Floor:4', 'C:Balcony:6', 'D:Balcony:6', 'E:Balcony:6', 'F:Accessible:2'],
        );
        const compact = await api('GET', `/api/events/${ev.event_id}/seats/compact`);
        assert.equal(compact.status, 200, compact.text);
        assert.deepEqual(compact.body.sections, ev.sections);
        assert.equal(compact.body.status, '0'.repeat(28));
      });
    });

    describe('POST /api/events/:id/hold across sections', () => {
      it('prices a hold across two sections from the section prices, in the database', async () => {
        const ev = await create();
        const buyer = server.user();
        const res = await api('POST', `/api/events/${ev.event_id}/hold`, {
          token: buyer.token,
          body: { seat_numbers: ['C3', 'A1', 'A2'] },
        });
        assert.equal(res.status, 201, res.text);
        assert.deepEqual(res.body.held_seats, ['A1', 'A2', 'C3']);
        assert.equal(res.body.total_price, 80 + 80 + 45.5);
        const { rows } = await server.sql.query<{ total: string }>(`SELECT total_price::text AS total FROM holds WHERE id = $1`, [
          res.body.hold_id,
        ]);
        assert.equal(rows[0]?.total, '205.50');
        const compact = await api('GET', `/api/events/${ev.event_id}/seats/compact`);
        assert.equal(compact.body.status, `11${'0'.repeat(8)}1${'0'.repeat(17)}`);
      });

      it('refuses seats outside a section’s rows and widths', async () => {
        const ev = await create();
        const buyer = server.user();
        // Floor has 4 seats a row, Accessible one row of 2, and there is no row G.
        for (const seat of ['A5', 'F3', 'G1']) {
          const res = await api('POST', `/api/events/${ev.event_id}/hold`, { token: buyer.token, body: { seat_numbers: [seat] } });
          assertError(res, 400, 'invalid_seats');
        }
      });
    });
  });
}
