export * from './money.ts';
export { compile, MalformedMessageError, type Validator } from './validate.ts';
export { DateTime, Uuid } from './formats.ts';
export { defineMessage, VERSION_HEADER, type ContractMessage, type MessageContract, type PreviousVersion } from './message.ts';
export * from './booking-requests.ts';
export * from './notification-requests.ts';
export * from './seat-events.ts';
export * from './dead-letters.ts';
export * from './internal-holds.ts';
