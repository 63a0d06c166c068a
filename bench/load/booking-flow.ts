// The buyer's path under load: many registered users hold seats of a large event, book them,
// and wait until each booking is final.
//   node bench/load/booking-flow.ts [--users=100] [--holds-per-user=3] [--seats=10000]
//        [--rate=200] [--connections=50] [--p99-ms=500] [--final-timeout=120]
//   (also `node scripts/load-test-booking-flow.js`, the same with the original name)
// Phase 1: autocannon at a fixed rate on POST /api/events/{id}/hold (each request a new seat,
// a user token in rotation). Phase 2: autocannon on POST /api/booking for every hold won.
// Phase 3: poll every booking until confirmed or failed; report time to final.
// Exits 1 when a threshold is missed (error rate, p99, or a booking that never became final).
import { arg, call, newEvent, newUser, report, runAutocannon, urls, type LoadUser } from './lib.ts';

const userCount = arg('users', 100);
const holdsPerUser = arg('holds-per-user', 3);
const seats = arg('seats', 10000);
const rate = arg('rate', 200);
const connections = arg('connections', 50);
const p99Ms = arg('p99-ms', 500);
const finalTimeoutS = arg('final-timeout', 120);

interface WonHold {
  hold_id: string;
  total_price: string | number;
  token: string;
}
interface Submitted {
  id: string;
  submittedAt: number;
  token: string;
}

console.log(`registering ${userCount} users...`);
const users: LoadUser[] = [];
for (let i = 0; i < userCount; i += 10) {
  users.push(...(await Promise.all(Array.from({ length: Math.min(10, userCount - i) }, () => newUser('flow')))));
}
const userAt = (n: number): LoadUser => users[n % users.length]!;
const eventId = await newEvent(userAt(0).token, seats);
const perRow = 500;
const label = (n: number): string => {
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
const holds: WonHold[] = [];
const holdResult = await runAutocannon<{ token?: string }>({
  url: urls.events,
  connections,
  overallRate: rate,
  amount: totalHolds,
  requests: [
    {
      method: 'POST',
      setupRequest: (req, context) => {
        const n = next++;
        const user = userAt(n);
        context.token = user.token;
        return {
          ...req,
          path: `/api/events/${eventId}/hold`,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
          body: JSON.stringify({ seat_numbers: [label(n)] }),
        };
      },
      onResponse: (status, body, context) => {
        if (status === 201) holds.push({ ...(JSON.parse(body) as Omit<WonHold, 'token'>), token: context.token ?? '' });
      },
    },
  ],
});
const holdsOk = report(`POST /api/events/{id}/hold (${totalHolds} holds at ${rate}/s)`, holdResult, { p99Ms, maxErrorRate: 0.01 });

let b = 0;
const bookingIds: Submitted[] = [];
const bookResult = await runAutocannon<{ hold?: WonHold }>({
  url: urls.bookings,
  connections,
  overallRate: rate,
  amount: holds.length,
  requests: [
    {
      method: 'POST',
      setupRequest: (req, context) => {
        const hold = holds[b++ % holds.length]!;
        context.hold = hold;
        return {
          ...req,
          path: '/api/booking',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${hold.token}` },
          body: JSON.stringify({ hold_id: hold.hold_id, payment_info: { payment_method: 'credit_card', amount: hold.total_price } }),
        };
      },
      onResponse: (status, body, context) => {
        if ((status === 202 || status === 200) && context.hold) {
          const { booking_id } = JSON.parse(body) as { booking_id: string };
          bookingIds.push({ id: booking_id, submittedAt: Date.now(), token: context.hold.token });
        }
      },
    },
  ],
});
const booksOk = report(`POST /api/booking (${holds.length} bookings at ${rate}/s)`, bookResult, { p99Ms, maxErrorRate: 0.01 });

// Poll until every booking is final.
const pending = new Map(bookingIds.map((x) => [x.id, x]));
const finals: { status: string; ms: number }[] = [];
const deadline = Date.now() + finalTimeoutS * 1000;
while (pending.size > 0 && Date.now() < deadline) {
  const batch = [...pending.values()].slice(0, 200);
  await Promise.all(
    batch.map(async (x) => {
      const res = await call('GET', `${urls.bookings}/api/booking/${x.id}/status`, undefined, x.token);
      const status = (res.body as { status?: unknown } | undefined)?.status;
      if (res.status === 200 && typeof status === 'string' && status !== 'processing') {
        finals.push({ status, ms: Date.now() - x.submittedAt });
        pending.delete(x.id);
      }
    }),
  );
  if (pending.size > 0) await new Promise((r) => setTimeout(r, 250));
}
const times = finals.map((f) => f.ms).sort((a, c) => a - c);
const pct = (p: number): number => (times.length === 0 ? 0 : times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!);
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
