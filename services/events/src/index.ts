export { buildEventsApp } from './app.ts';
export { eventsEnv, loadEventsConfig, type EventsConfig } from './config.ts';
export { createEventsDeps, EVENTS_MIGRATIONS, type EventsDeps } from './deps.ts';
export { HOLD_SEATS_SQL } from './holds/holds.repository.ts';
