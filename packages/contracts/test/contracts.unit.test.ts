import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { UnrecoverableError } from '@ticketing/errors';
import {
  amountOfDecimal,
  bookingRequests,
  centsOf,
  compile,
  deadLetterHeaders,
  formatCents,
  fromCents,
  internalHold,
  MalformedMessageError,
  Money,
  notificationRequests,
  seatEvents,
  accountEmails,
  type AccountEmail,
  toCents,
  VERSION_HEADER,
  type BookingRequest,
  type NotificationRequest,
  type SeatEvent,
  ticketCheckIns,
  type TicketCheckedIn,
} from '../src/index.ts';
import { Type } from '@sinclair/typebox';

describe('money', () => {
  it('parses JSON numbers and decimal text with at most two decimals into exact cents', () => {
    assert.equal(toCents(199.98), 19998);
    assert.equal(toCents(0.07), 7);
    assert.equal(toCents(19.9), 1990);
    assert.equal(toCents(100), 10000);
    assert.equal(toCents(0), 0);
    assert.equal(toCents('199.98'), 19998);
    assert.equal(toCents('19.9'), 1990);
    assert.equal(toCents('7'), 700);
    assert.equal(toCents(9_999_999_999.99), 999_999_999_999);
    assert.equal(toCents('1234567890123.45'), 123_456_789_012_345);
  });

  it('refuses more decimals, exponents, signs and non-finite numbers', () => {
    assert.equal(toCents(1.1 + 2.2), undefined); // 3.3000000000000003
    assert.equal(toCents(1.005), undefined);
    assert.equal(toCents(-1), undefined);
    assert.equal(toCents(1e21), undefined);
    assert.equal(toCents(1e-7), undefined);
    assert.equal(toCents(Number.NaN), undefined);
    assert.equal(toCents(Number.POSITIVE_INFINITY), undefined);
    assert.equal(toCents('1.005'), undefined);
    assert.equal(toCents('-1'), undefined);
    assert.equal(toCents(' 1'), undefined);
    assert.equal(toCents('1e3'), undefined);
    assert.equal(toCents(''), undefined);
    assert.throws(() => centsOf('abc'), RangeError);
  });

  it('writes cents back exactly as wire numbers and decimal text', () => {
    assert.equal(fromCents(19998), 199.98);
    assert.equal(fromCents('7'), 0.07);
    assert.equal(fromCents(10000), 100);
    assert.equal(fromCents(123_456_789_012_345n), 1234567890123.45);
    assert.equal(JSON.stringify(fromCents(1990)), '19.9');
    assert.equal(formatCents(19998), '199.98');
    assert.equal(formatCents(7), '0.07');
    assert.equal(formatCents(-250), '-2.50');
    assert.equal(amountOfDecimal('12.30'), 12.3);
  });

  it('round-trips every cent amount through the wire exactly', () => {
    for (let cents = 0; cents < 100_000; cents += 7) assert.equal(toCents(fromCents(cents)), cents);
    for (const cents of [999_999_999_999, 123_456_789_012_345, 900_719_925_474_099]) assert.equal(toCents(fromCents(cents)), cents);
  });

  it('is checked exactly by a compiled schema, and seen as a plain number by JSON-schema tools', () => {
    const v = compile(Type.Object({ amount: Money() }));
    assert.ok(v.check({ amount: 199.98 }));
    assert.ok(!v.check({ amount: 1.005 }));
    assert.ok(!v.check({ amount: -1 }));
    assert.ok(!v.check({ amount: '199.98' }));
    assert.deepEqual(v.problems({ amount: 1.005 }), ['/amount: must be an amount ≥ 0 with at most two decimals']);
    assert.deepEqual(JSON.parse(JSON.stringify(Money())), { type: 'number', minimum: 0 });
  });
});

const bookingRequest = (): BookingRequest => ({
  booking_id: randomUUID(),
  user_id: randomUUID(),
  user_email: 'ada@example.com',
  user_name: 'Ada',
  hold_id: randomUUID(),
  event_id: randomUUID(),
  event_name: 'Concert',
  venue: 'Hall',
  event_date: '2027-03-01T20:00:00.000Z',
  seats: ['A1', 'A2'],
  payment_info: { payment_method: 'credit_card', amount: 199.98 },
  timestamp: new Date().toISOString(),
});

const notification = (): NotificationRequest => ({
  type: 'booking_confirmed',
  recipient_email: 'ada@example.com',
  booking_data: {
    booking_id: randomUUID(),
    event_name: 'Concert',
    venue: 'Hall',
    event_date: '2027-03-01T20:00:00.000Z',
    seats: ['A1'],
    total_amount: 99.99,
    user_name: 'Ada',
    payment_status: 'captured',
  },
  timestamp: new Date().toISOString(),
});

const received = (m: { value: unknown; headers: Record<string, string> }) => ({ raw: JSON.stringify(m.value), headers: m.headers });

function assertMalformed(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MalformedMessageError);
    assert.ok(err instanceof UnrecoverableError, 'dead-lettered at once');
    assert.match(err.message, pattern);
    return true;
  });
}

describe('message contracts', () => {
  it('stamp the current version on what producers build, and decode it back', () => {
    const value = bookingRequest();
    const m = bookingRequests.message({ topic: 't', key: value.booking_id, value, headers: { traceparent: 'x' } });
    assert.deepEqual(m.headers, { traceparent: 'x', [VERSION_HEADER]: '1' });
    assert.deepEqual(bookingRequests.decode(received(m)), value);

    const n = notification();
    const nm = notificationRequests.message({ topic: 't', key: n.booking_data.booking_id, value: n });
    assert.equal(nm.headers[VERSION_HEADER], '2');
    assert.deepEqual(notificationRequests.decode(received(nm)), n);
  });

  it('read a message without a version header as version 1 (written before versions were explicit)', () => {
    const value = bookingRequest();
    assert.deepEqual(bookingRequests.decode({ raw: JSON.stringify(value), headers: {} }), value);
  });

  it('upgrade the previous notification version: decimal-text amounts become wire numbers', () => {
    const n = notification();
    const v1 = { ...n, booking_data: { ...n.booking_data, total_amount: '99.90', event_date: 'March 1, 2027 20:00 UTC' } };
    const decoded = notificationRequests.decode({ raw: JSON.stringify(v1), headers: {} });
    assert.equal(decoded.booking_data.total_amount, 99.9);
    assert.equal(decoded.booking_data.event_date, 'March 1, 2027 20:00 UTC');
    // The same value stated as version 2 is refused: version 2 amounts are numbers, dates RFC 3339.
    assertMalformed(
      () => notificationRequests.decode({ raw: JSON.stringify(v1), headers: { [VERSION_HEADER]: '2' } }),
      /total_amount|event_date/,
    );
  });

  it('dead-letter a version the consumer does not know yet, or a version header that is not a number', () => {
    const value = bookingRequest();
    assertMalformed(() => bookingRequests.decode({ raw: JSON.stringify(value), headers: { [VERSION_HEADER]: '2' } }), /"2" is not one/);
    assertMalformed(() => bookingRequests.decode({ raw: JSON.stringify(value), headers: { [VERSION_HEADER]: 'v1' } }), /"v1"/);
  });

  it('dead-letter values that are not JSON or miss the contract, naming every problem', () => {
    assertMalformed(() => bookingRequests.decode({ raw: 'not json {', headers: {} }), /not JSON/);
    assertMalformed(() => bookingRequests.decode({ raw: 'null', headers: {} }), /\(root\)/);
    const bad = { ...bookingRequest(), booking_id: 'b-1', payment_info: { payment_method: 'card', amount: 1.005 } };
    assertMalformed(
      () => bookingRequests.decode({ raw: JSON.stringify(bad), headers: {} }),
      /\/booking_id: .*\/payment_info\/amount: must be an amount/,
    );
  });

  it('type and check seat events', () => {
    const value: SeatEvent = {
      type: 'seats.held',
      event_id: randomUUID(),
      hold_id: randomUUID(),
      user_id: randomUUID(),
      booking_id: null,
      seats: ['A1'],
      status: 'held',
      timestamp: new Date().toISOString(),
    };
    const m = seatEvents.message({ topic: 'seat-events', key: value.event_id, value });
    assert.deepEqual(seatEvents.decode(received(m)), value);
    assertMalformed(() => seatEvents.decode(received({ ...m, value: { ...value, type: 'seats.sold' } })), /\/type/);
  });

  it('type and check ticket check-ins', () => {
    const value: TicketCheckedIn = {
      type: 'ticket.checked_in',
      ticket_id: randomUUID(),
      event_id: randomUUID(),
      organization_id: randomUUID(),
      booking_id: randomUUID(),
      seat: 'A1',
      gate: 'North',
      checked_in_at: new Date().toISOString(),
      checked_in_by: randomUUID(),
      source: 'offline',
      timestamp: new Date().toISOString(),
    };
    const m = ticketCheckIns.message({ topic: 'ticket-check-ins', key: value.event_id, value });
    assert.equal(m.headers[VERSION_HEADER], '1');
    assert.deepEqual(ticketCheckIns.decode(received(m)), value);
    assertMalformed(() => ticketCheckIns.decode(received({ ...m, value: { ...value, source: 'carrier pigeon' } })), /\/source/);
    assertMalformed(() => ticketCheckIns.decode(received({ ...m, value: { ...value, gate: '' } })), /\/gate/);
  });

  it('type and check account emails: each type with its own fields, links only over http(s)', () => {
    const value: AccountEmail = {
      email_id: randomUUID(),
      type: 'password_reset',
      recipient_email: 'ada@example.test',
      recipient_name: 'Ada',
      link: 'https://shop.example.test/reset-password?token=abc',
      expires_at: new Date().toISOString(),
    };
    const m = accountEmails.message({ topic: 'account-emails', key: value.recipient_email, value });
    assert.deepEqual(accountEmails.decode(received(m)), value);
    const changed = { email_id: randomUUID(), type: 'password_changed', recipient_email: 'ada@example.test', recipient_name: '' };
    assert.deepEqual(accountEmails.decode({ raw: JSON.stringify(changed), headers: {} }), changed);
    assertMalformed(() => accountEmails.decode(received({ ...m, value: { ...value, link: 'javascript:alert(1)' } })), /link/);
    assertMalformed(
      () => accountEmails.decode(received({ ...m, value: { ...value, type: 'organization_invitation' } })),
      /\/organization_name/,
    );
    assertMalformed(() => accountEmails.decode(received({ ...m, value: { ...value, recipient_email: 'x <y@z>' } })), /\/recipient_email/);
    assertMalformed(() => accountEmails.decode(received({ ...m, value: { ...value, type: 'welcome' } })), /malformed/);
  });

  it('check the headers of a dead letter', () => {
    const headers = { message_id: 'm', 'dlq-original-topic': 't', 'dlq-error': 'boom', 'dlq-error-type': 'Error' };
    assert.ok(deadLetterHeaders.check(headers));
    assert.ok(!deadLetterHeaders.check({ ...headers, 'dlq-original-topic': undefined }));
  });
});

describe('internal hold API', () => {
  const hold = {
    hold_id: randomUUID(),
    user_id: randomUUID(),
    event_id: randomUUID(),
    event_name: 'Concert',
    venue: 'Hall',
    event_date: '2027-03-01T20:00:00.000Z',
    seats: ['A1'],
    total_price: 99.99,
    expires_at: '2027-03-01T19:00:00.000Z',
    status: 'locked',
    booking_id: randomUUID(),
  };

  it('accepts a hold as the event service answers it', () => {
    assert.ok(internalHold.check(hold));
    assert.ok(internalHold.check({ ...hold, booking_id: null, status: 'active' }));
  });

  it('names what is wrong with an answer that is not a hold', () => {
    assert.ok(!internalHold.check({ ...hold, status: 'sold' }));
    assert.ok(!internalHold.check({ ...hold, total_price: '99.99' }));
    assert.deepEqual(internalHold.problems({ ...hold, hold_id: 'x' }), ["/hold_id: Expected string to match 'uuid' format"]);
  });
});
