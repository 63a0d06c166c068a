import { redact } from '@ticketing/config';
import { onShutdown } from '@ticketing/http';
import { startBookingsWorker } from './bookings/booking-worker.ts';
import { loadBookingsConfig } from './config.ts';
import { createBookingsDeps } from './deps.ts';
import { startOutboxRelay } from './outbox/start-outbox-relay.ts';

// Worker entry point: the booking worker pool, the reconciler and an outbox relay (for the
// notification messages the workers write), without HTTP. Scale it out by running more.
const config = loadBookingsConfig();
const deps = await createBookingsDeps(config);
deps.logger.info({ config: redact(config) }, 'starting bookings worker');
const relay = startOutboxRelay(deps);
const worker = await startBookingsWorker(deps);
onShutdown(
  deps.logger,
  async () => {
    // Drain: stop fetching, finish the bookings in flight (their payments included), commit.
    await worker.close();
    await relay.close();
    await deps.close();
  },
  Math.max(15_000, config.payments.latencyMs * 4 + 5_000),
);
