// The web app's one way to call the API (apps/web/src/lib/api/call.ts): data through, a refusal
// as an ApiError whose message is the page's sentence, an unreachable server as the network text.
// Pure logic; the browser tests show the same sentences on the pages.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, call, messageOf } from '../apps/web/src/lib/api/call.ts';
import { NETWORK_ERROR } from '../apps/web/src/lib/errors.ts';

const answer = <T>(status: number, data?: T, error?: unknown) => Promise.resolve({ data, error, response: new Response(null, { status }) });

describe('web API calls', () => {
  it('answers the data of a success, and nothing for a 204', async () => {
    assert.deepEqual(await call(answer(200, { id: 1 })), { id: 1 });
    assert.equal(await call(answer(204)), undefined);
  });

  it('throws a refusal as an ApiError carrying the sentence, code and details', async () => {
    const body = { error: 'seats_unavailable', message: 'taken', details: { unavailable_seats: ['A1'] } };
    const err = await call(answer(409, undefined, body)).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 409);
    assert.equal(err.code, 'seats_unavailable');
    assert.deepEqual(err.details, { unavailable_seats: ['A1'] });
    assert.equal(messageOf(err), 'Some of those seats were just taken by someone else.');
  });

  it('words a refusal with the caller’s own table when given one', async () => {
    const err = await call(answer(422, undefined, { error: 'x' }), (_b, status) => `Refused (${status}).`).catch((e: unknown) => e);
    assert.equal(messageOf(err), 'Refused (422).');
  });

  it('says the server cannot be reached when the request never got an answer', async () => {
    const err = await call(Promise.reject(new TypeError('Failed to fetch'))).catch((e: unknown) => e);
    assert.equal(messageOf(err), NETWORK_ERROR);
    assert.equal(messageOf('not an error'), NETWORK_ERROR);
    assert.equal(messageOf(new Error('There are no 4 seats together any more.')), 'There are no 4 seats together any more.');
  });
});
