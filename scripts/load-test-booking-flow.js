// The buyer's path under load: many registered users hold seats of a large event, book them,
// and wait until each booking is final.
//   node scripts/load-test-booking-flow.js [--users=100] [--holds-per-user=3] [--seats=10000]
//        [--rate=200] [--connections=50] [--p99-ms=500] [--final-timeout=120]
// Phase 1: autocannon at a fixed rate on POST /api/events/{id}/hold (each request a new seat,
// a user token in rotation). Phase 2: autocannon on POST /api/booking for every hold won.
// Phase 3: poll every booking until confirmed or failed; report time to final.
// Exits 1 when a threshold is missed (error rate, p99, or a booking that never became final).
import { arg, call, newEvent, newUser, report, runAutocannon, urls } from './load-lib.js';

const userCount = arg('users', 100);
const holdsPerUser = arg('holds-per-user', 3);
const seats = arg('seats', 10000);
const rate = arg('rate', 200);
const connections = arg('connections', 50);
const p99Ms = arg('p99-ms', 500);
const finalTimeoutS = arg('final-timeout', 120);

console.log(`registering ${userCount} users...`);
const users = [];
for (let i = 0; i < userCount; i += 10) {
  users.push(...(await Promise.all(Array.from({ length: Math.min(10, userCount - i) }, () => newUser('flow')))));
}
const event = await newEvent(users[0].token, seats);
const perRow = 500;
const label = (n) => {
  let row = Math.floor(n / perRow);
  let letters = '';
  row += 1;
  while (row > 0) {
    const r = (row - 1) % 26;
    letters = String.fromCharCode(65 + r) + letters;
    row = Math.floor((row - 1) / 26);
  }
  return `${letters}${(n % perRow) + 1}`;
};

const totalHolds = Math.min(userCount * holdsPerUser, seats);
let next = 0;
const holds = [];
const holdResult = await runAutocannon({
  url: urls.events,
  connections,
  overallRate: rate,
  amount: totalHolds,
  requests: [
    {
      method: 'POST',
      setupRequest: (req, context) => {
        const n = next++;
        const user = users[n % users.length];
        context.token = user.token;
        return {
          ...req,
          path: `/api/events/${event.event_id}/hold`,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
          body: JSON.stringify({ seat_numbers: [label(n)] }),
        };
      },
      onResponse: (status, body, context) => {
        if (status === 201) holds.push({ ...JSON.parse(body), token: context.token });
      },
    },
  ],
});
const holdsOk = report(`POST /api/events/{id}/hold (${totalHolds} holds at ${rate}/s)`, holdResult, { p99Ms, maxErrorRate: 0.01 });

let b = 0;
const bookingIds = [];
const bookResult = await runAutocannon({
  url: urls.bookings,
  connections,
  overallRate: rate,
  amount: holds.length,
  requests: [
    {
      method: 'POST',
      setupRequest: (req, context) => {
        const hold = holds[b++ % holds.length];
        context.hold = hold;
        return {
          ...req,
          path: '/api/booking',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${hold.token}` },
          body: JSON.stringify({ hold_id: hold.hold_id, payment_info: { payment_method: 'credit_card', amount: hold.total_price } }),
        };
      },
      onResponse: (status, body, context) => {
        if (status === 202 || status === 200) {
          bookingIds.push({ id: JSON.parse(body).booking_id, submittedAt: Date.now(), token: context.hold.token });
        }
      },
    },
  ],
});
const booksOk = report(`POST /api/booking (${holds.length} bookings at ${rate}/s)`, bookResult, { p99Ms, maxErrorRate: 0.01 });

// Poll until every booking is final.
const pending = new Map(bookingIds.map((x) => [x.id, x]));
const finals = [];
const deadline = Date.now() + finalTimeoutS * 1000;
while (pending.size > 0 && Date.now() < deadline) {
  const batch = [...pending.values()].slice(0, 200);
  await Promise.all(
    batch.map(async (x) => {
      const res = await call('GET', `${urls.bookings}/api/booking/${x.id}/status`, undefined, x.token);
      if (res.status === 200 && res.body.status !== 'processing') {
        finals.push({ status: res.body.status, ms: Date.now() - x.submittedAt });
        pending.delete(x.id);
      }
    }),
  );
  if (pending.size > 0) await new Promise((r) => setTimeout(r, 250));
}
const times = finals.map((f) => f.ms).sort((a, c) => a - c);
const pct = (p) => (times.length === 0 ? 0 : times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]);
const confirmed = finals.filter((f) => f.status === 'confirmed').length;
console.log('\nsubmit -> final');
console.log(`  bookings            ${bookingIds.length}`);
console.log(`  confirmed           ${confirmed}`);
console.log(`  failed              ${finals.length - confirmed}`);
console.log(`  never final         ${pending.size}`);
console.log(`  time to final p50   ${pct(50)} ms`);
console.log(`  time to final p99   ${pct(99)} ms`);
const allFinal = pending.size === 0 && bookingIds.length > 0;
console.log(allFinal ? '  thresholds: PASS' : '  thresholds: FAIL (bookings left processing)');
process.exit(holdsOk && booksOk && allFinal ? 0 : 1);
