// Constant request rate on GET /api/events/{id} (the hottest read during an on-sale).
//   node bench/load/rps.ts [--rate=1000] [--duration=10] [--connections=50] [--p99-ms=100]
//   (also `node scripts/load-test-rps.js`, the same with the original name)
// Against `npm start` or ./start-dev.sh; URLs from USERS_URL / EVENTS_URL. Exits 1 when a
// threshold (p99 latency, error rate < 1%, achieved rate >= 90% of target) is missed.
import { arg, newEvent, newUser, report, runAutocannon, urls } from './lib.ts';

const rate = arg('rate', 1000);
const duration = arg('duration', 10);
const connections = arg('connections', 50);
const p99Ms = arg('p99-ms', 100);

const user = await newUser('rps');
const eventId = await newEvent(user.token, 1000);
console.log(`target ${rate} req/s for ${duration}s over ${connections} connections: GET ${urls.events}/api/events/${eventId}`);
const result = await runAutocannon({
  url: `${urls.events}/api/events/${eventId}`,
  connections,
  duration,
  overallRate: rate,
});
const ok = report('GET /api/events/{id}', result, { p99Ms, maxErrorRate: 0.01, minRps: rate * 0.9 });
process.exit(ok ? 0 : 1);
