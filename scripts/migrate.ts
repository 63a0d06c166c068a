// Migrations as a step of their own, before the services start (the Helm chart's pre-install and
// pre-upgrade Job, or by hand):
//
//   npm run migrate                       # every service: users, events, bookings, notifications
//   npm run migrate -- events bookings    # only these
//   npm run migrate -- --check            # apply nothing; exit 1 when a migration is pending
//
// Each service's own configuration says where its schema lives (DATABASE_URL, <NAME>_CONFIG_FILE),
// as when it starts. Started with MIGRATE_ON_START=false, a service then only checks that nothing
// is pending. Safe to run concurrently and repeatedly: an advisory lock per schema serialises the
// runs and each migration is applied once.
import { parseArgs } from 'node:util';
import { createPostgresDatabase, findPendingMigrations, runMigrations, type MigrationSet } from '@ticketing/db';
import { messageOf } from '@ticketing/errors';
import { BOOKINGS_MIGRATIONS, loadBookingsConfig } from '@ticketing/bookings-service';
import { EVENTS_MIGRATIONS, loadEventsConfig } from '@ticketing/events-service';
import { NOTIFICATIONS_MIGRATIONS, loadNotificationsConfig } from '@ticketing/notifications-service';
import { USERS_MIGRATIONS, loadUsersConfig } from '@ticketing/users-service';

interface Target {
  set: MigrationSet;
  databaseUrl: () => string;
}

// Migrating signs no token: the production check of the JWT secrets (NODE_ENV=production, as in
// the image) does not apply, so the migration Job needs only the database's address.
const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'migrate' };
// Users and events first: the order in which a fresh platform is brought up (no schema reads another's).
const TARGETS: Record<string, Target> = {
  users: { set: USERS_MIGRATIONS, databaseUrl: () => loadUsersConfig(undefined, env).database.url },
  events: { set: EVENTS_MIGRATIONS, databaseUrl: () => loadEventsConfig(undefined, env).database.url },
  bookings: { set: BOOKINGS_MIGRATIONS, databaseUrl: () => loadBookingsConfig(undefined, env).database.url },
  notifications: { set: NOTIFICATIONS_MIGRATIONS, databaseUrl: () => loadNotificationsConfig(undefined, env).database.url },
};
const USAGE = `usage: npm run migrate -- [--check] [${Object.keys(TARGETS).join('|')} ...]`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { check: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
});
const unknown = positionals.filter((name) => !(name in TARGETS));
if (values.help || unknown.length > 0) {
  if (unknown.length > 0) console.error(`unknown service: ${unknown.join(', ')}`);
  console.error(USAGE);
  process.exit(values.help ? 0 : 2);
}

let failed = false;
for (const name of positionals.length > 0 ? positionals : Object.keys(TARGETS)) {
  const target = TARGETS[name]!;
  // No statement timeout: a migration that rewrites a large table may take minutes.
  const db = createPostgresDatabase({
    url: target.databaseUrl(),
    schema: name,
    poolSize: 1,
    statementTimeoutMs: 0,
    applicationName: 'migrate',
  });
  try {
    if (values.check) {
      const pending = await findPendingMigrations(db, target.set.dir);
      console.log(`${name}: ${pending.length === 0 ? 'up to date' : `${pending.length} pending (${pending.join(', ')})`}`);
      if (pending.length > 0) failed = true;
    } else {
      const { applied, functions } = await runMigrations(
        db,
        target.set.dir,
        target.set.functionsDir === undefined ? {} : { functionsDir: target.set.functionsDir },
      );
      const parts = [applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`];
      if (functions.length > 0) parts.push(`${functions.length} function files`);
      console.log(`${name}: ${parts.join('; ')}`);
    }
  } catch (err) {
    console.error(`${name}: migration failed: ${messageOf(err)}`);
    failed = true;
  } finally {
    await db.close();
  }
  // Stop at the first failure: a later service may depend on this one's new schema being in place.
  if (failed && !values.check) break;
}
process.exit(failed ? 1 : 0);
