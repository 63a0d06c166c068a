import { Type, type Static } from '@sinclair/typebox';
import { errorResponses, IdParam, sseResponse } from '@ticketing/http';

const EventParams = Type.Object({ id: IdParam });
const EntryParams = Type.Object({ id: IdParam, entryId: IdParam });
const user = { security: [{ bearerAuth: [] }] };
const tags = ['waiting list'];

export const JoinWaitlistBody = Type.Object(
  {
    quantity: Type.Integer({
      minimum: 1,
      maximum: 1000,
      description: 'Seats wanted together (at most the service’s limit, 10 by default)',
    }),
    section: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only seats of this section (default: any section)' })),
  },
  { additionalProperties: false },
);
export type JoinWaitlistBody = Static<typeof JoinWaitlistBody>;

export const WaitlistOfferView = Type.Object({
  hold_id: Type.String({ format: 'uuid', description: 'The hold of the offered seats: check out with it (POST /api/bookings)' }),
  seats: Type.Array(Type.String()),
  total_price: Type.Number(),
  currency: Type.String(),
  expires_at: Type.String({ format: 'date-time' }),
});
export type WaitlistOfferView = Static<typeof WaitlistOfferView>;

export const WaitlistEntryView = Type.Object({
  entry_id: Type.String({ description: 'The entry (its number orders the list)' }),
  event_id: Type.String({ format: 'uuid' }),
  section: Type.Union([Type.String(), Type.Null()], { description: 'null: any section' }),
  quantity: Type.Integer({ minimum: 1 }),
  status: Type.Union(
    ['waiting', 'offered', 'fulfilled', 'expired', 'declined', 'left'].map((s) => Type.Literal(s)),
    {
      description:
        '`waiting` on the list; `offered`: seats are held for you until the offer expires; `fulfilled`: you bought them; ' +
        '`expired`: the offer ran out (or its hold ended unbought); `declined`; `left`',
    },
  ),
  position: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: '1 = next; only while waiting' }),
  joined_at: Type.String({ format: 'date-time' }),
  offer: Type.Union([WaitlistOfferView, Type.Null()], { description: 'The live offer (status offered), else null' }),
});
export type WaitlistEntryView = Static<typeof WaitlistEntryView>;

export const WaitlistEntriesView = Type.Object({
  event_id: Type.String({ format: 'uuid' }),
  entries: Type.Array(WaitlistEntryView, { description: 'On the list first, then the latest ended ones' }),
});
export type WaitlistEntriesView = Static<typeof WaitlistEntriesView>;

const StreamQuery = Type.Object({ access_token: Type.Optional(Type.String({ maxLength: 4096 })) });

export const joinWaitlistSchema = {
  tags,
  summary: 'Join the waiting list of a sold-out event or section, for 1–N seats together',
  description:
    'Allowed while the event is on sale and fewer than `quantity` seats of the section (or event) are free. One entry per ' +
    'account per event and section (409 already_on_waitlist). Seats that come back are offered in list order as a hold.',
  ...user,
  params: EventParams,
  body: JoinWaitlistBody,
  response: { 201: WaitlistEntryView, ...errorResponses(400, 401, 404, 409, 413, 415) },
};

export const myWaitlistSchema = {
  tags,
  summary: 'The caller’s entries on the event’s waiting list: place, status and live offer',
  ...user,
  params: EventParams,
  response: { 200: WaitlistEntriesView, ...errorResponses(401, 404) },
};

export const leaveWaitlistSchema = {
  tags,
  summary: 'Leave the waiting list (a live offer is given up and its seats go to the next entry)',
  ...user,
  params: EntryParams,
  response: { 200: WaitlistEntryView, ...errorResponses(401, 404, 409) },
};

export const declineOfferSchema = {
  tags,
  summary: 'Decline the live offer: its seats go to the next entry that fits',
  ...user,
  params: EntryParams,
  response: { 200: WaitlistEntryView, ...errorResponses(401, 404, 409) },
};

export const waitlistStreamSchema = {
  tags,
  summary: 'Server-Sent Events: the caller’s entries (`entries`) whenever a place, status or offer changes',
  description:
    'Event `entries` (data: as GET .../waitlist) on connect and on every change. Browsers may pass the token as `?access_token=`.',
  ...user,
  params: EventParams,
  querystring: StreamQuery,
  response: { 200: sseResponse('Waiting list events'), ...errorResponses(401, 404) },
};
