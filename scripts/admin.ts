// Platform admins are made by an operator, never by registering (docs/users.md#platform-admins):
//
//   npm run admin -- grant someone@example.com [--reason "on-call"] [--allow-unverified]
//   npm run admin -- revoke someone@example.com [--reason "left the team"]
//   npm run admin -- list                       # the admins, and the latest grants and revocations
//
// Works on the users database of DATABASE_URL (distributed profile); with --embedded, on the
// embedded profile's data under DATA_DIR (stop `npm start` first: PGlite is single-process). Each
// change is logged in admin_grants with the operator's name; a revocation also revokes the user's
// tokens (announced through Redis at once; the embedded platform learns it when it starts).
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createMemoryCache } from '@ticketing/cache';
import { createPgliteDatabase } from '@ticketing/db';
import { createLogger } from '@ticketing/http';
import { createUsersDeps, loadUsersConfig, type AdminChange } from '@ticketing/users-service';

const USAGE = 'usage: npm run admin -- grant|revoke <email> [--reason <text>] [--allow-unverified] [--embedded] | list [--embedded]';
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    reason: { type: 'string' },
    'allow-unverified': { type: 'boolean', default: false },
    embedded: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const [command, email] = positionals;
if (values.help || !(command === 'list' || ((command === 'grant' || command === 'revoke') && email && positionals.length === 2))) {
  console.error(USAGE);
  process.exit(values.help ? 0 : 2);
}

// The tool signs no token: the production check of the JWT secrets does not apply.
const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'admin' };
const logger = createLogger('admin', 'warn');
const config = loadUsersConfig({ kafka: { enabled: false }, log: { level: 'warn' } }, env);
const given = values.embedded
  ? {
      db: await createPgliteDatabase({ dataDir: path.join(path.resolve(env.DATA_DIR ?? 'data'), 'pglite', 'users'), schema: 'users' }),
      cache: createMemoryCache(),
      logger,
    }
  : { logger };
const deps = await createUsersDeps(config, given);
const actor = `operator:${os.userInfo().username}`;

function say(change: AdminChange, what: string): number {
  switch (change.kind) {
    case 'not_found':
      console.error(`${what}: no account has the address ${email}`);
      return 1;
    case 'unverified':
      console.error(`${what}: ${change.user.email} has not verified its address yet (--allow-unverified to grant anyway)`);
      return 1;
    case 'unchanged':
      console.log(`${change.user.email} is ${change.user.role === 'admin' ? 'already' : 'not'} an admin: nothing changed`);
      return 0;
    case 'granted':
    case 'revoked':
      console.log(`${change.user.email}: admin ${change.kind} by ${actor} (logged in admin_grants)`);
      return 0;
  }
}

let exitCode = 0;
try {
  if (command === 'list') {
    const admins = await deps.admins.listAdmins();
    console.log(admins.length === 0 ? 'no admins' : `${admins.length} admin(s):`);
    for (const a of admins) console.log(`  ${a.email}${a.email_verified_at ? '' : ' (address not verified)'}`);
    const history = await deps.admins.history(20);
    if (history.length > 0) console.log('latest changes:');
    for (const h of history) {
      console.log(`  ${h.at.toISOString()}  ${h.action.padEnd(6)} ${h.email}  by ${h.actor}${h.reason ? `: ${h.reason}` : ''}`);
    }
  } else if (command === 'grant') {
    exitCode = say(await deps.admins.grant(email!, actor, { allowUnverified: values['allow-unverified'], reason: values.reason }), 'grant');
  } else {
    exitCode = say(await deps.admins.revoke(email!, actor, values.reason), 'revoke');
  }
} finally {
  await deps.close();
  await given.db?.close();
}
process.exit(exitCode);
