import { currentUser, requireUser, type AuthOptions } from '@ticketing/auth';
import { isDomainError } from '@ticketing/errors';
import { invalidRequest, type App } from '@ticketing/http';
import type { HoldSeats } from './hold-seats.ts';
import type { HoldsService } from './holds.service.ts';
import type { Admission, WaitingRoomService } from '../waiting-room/waiting-room.service.ts';
import { createHoldSchema, getHoldSchema, releaseEventHoldSchema, releaseHoldSchema } from './holds.schemas.ts';

const RELEASED = { message: 'Hold released successfully' };
const ADMISSION_TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function registerHoldRoutes(
  app: App,
  deps: {
    holdSeats: HoldSeats;
    holdsService: HoldsService;
    waitingRoom: Pick<WaitingRoomService, 'admit'>;
    auth: AuthOptions;
  },
): void {
  const { holdSeats, holdsService } = deps;
  const authenticated = requireUser(deps.auth);

  app.post('/api/events/:id/hold', { schema: createHoldSchema, preHandler: authenticated }, async (request, reply) => {
    const user = currentUser(request);
    const admissionToken = request.headers['admission-token'];
    // A JWT (three base64url parts) or nothing: anything else is a 400, before the event is looked up.
    if (admissionToken !== undefined && !ADMISSION_TOKEN_SHAPE.test(admissionToken))
      throw invalidRequest({ 'admission-token': 'must be the admission token the waiting room gave you' });
    const idempotencyKey = request.headers['idempotency-key'];
    // A queue-protected event: the admission token is checked (and spent) before the deciding write.
    let admission: Admission | undefined;
    try {
      admission = await deps.waitingRoom.admit(user, request.params.id, admissionToken);
    } catch (err) {
      // A retry of a hold that was made: its token is spent by that hold, which the key finds again.
      const replay =
        idempotencyKey !== undefined && isDomainError(err) && err.code === 'admission_token_used'
          ? await holdSeats.replay(user, request.params.id, request.body, idempotencyKey)
          : undefined;
      if (!replay) throw err;
      const { replayed: _, ...hold } = replay;
      return reply.header('idempotent-replayed', 'true').status(201).send(hold);
    }
    try {
      const { replayed, ...hold } = await holdSeats(user, request.params.id, request.body, { idempotencyKey });
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(201).send(hold);
    } catch (err) {
      await admission?.release();
      throw err;
    }
  });

  app.get('/api/events/holds/:holdId', { schema: getHoldSchema, preHandler: authenticated }, async (request) =>
    holdsService.getHold(currentUser(request), request.params.holdId),
  );

  app.delete('/api/events/holds/:holdId', { schema: releaseHoldSchema, preHandler: authenticated }, async (request) => {
    await holdsService.releaseHold(currentUser(request), request.params.holdId);
    return RELEASED;
  });

  app.delete('/api/events/:id/hold/:holdId', { schema: releaseEventHoldSchema, preHandler: authenticated }, async (request) => {
    await holdsService.releaseHold(currentUser(request), request.params.holdId, request.params.id);
    return RELEASED;
  });
}
