// Dead letters: list, show and replay the messages the consumers gave up on.
//
//   npm run dlq -- list   [--topic booking-requests.dlq] [--json]
//   npm run dlq -- show   --id <message id> [--topic ...]
//   npm run dlq -- replay --id <message id> | --all [--topic ...]
//
// Distributed mode reads Kafka (KAFKA_BROKERS); --embedded reads the embedded profile's bus
// under DATA_DIR (stop `npm start` first: its database is single-process). Without --topic,
// both dead-letter topics: `booking-requests.dlq` and `notification-requests.dlq` (renamed by
// BOOKING_REQUESTS_TOPIC / NOTIFICATIONS_TOPIC like the services). See docs/operations.md.
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  createKafkaBus,
  createLocalBus,
  DEAD_LETTER_SUFFIX,
  replayOf,
  toDeadLetter,
  type DeadLetter,
  type MessageBus,
} from '@ticketing/bus';
import { commonEnv, kafkaSection, loadConfig, Type } from '@ticketing/config';
import { createPgliteDatabase, type Database } from '@ticketing/db';

const USAGE = `usage: npm run dlq -- list|show|replay [--topic <topic>[.dlq]] [--id <message id>] [--all] [--json] [--embedded]`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    topic: { type: 'string', multiple: true },
    id: { type: 'string', multiple: true },
    all: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    embedded: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const command = positionals[0];
if (values.help || !command || !['list', 'show', 'replay'].includes(command) || positionals.length > 1) {
  console.error(USAGE);
  process.exit(values.help ? 0 : 2);
}
if (command === 'show' && !values.id?.length) fail('show needs --id <message id>');
if (command === 'replay' && !values.id?.length && !values.all) fail('replay needs --id <message id> (repeatable) or --all');

const env = process.env;
const topics = (
  values.topic?.length
    ? values.topic
    : [env.BOOKING_REQUESTS_TOPIC ?? 'booking-requests', env.NOTIFICATIONS_TOPIC ?? 'notification-requests']
).map((t) => (t.endsWith(DEAD_LETTER_SUFFIX) ? t : t + DEAD_LETTER_SUFFIX));

let db: Database | undefined;
let bus: MessageBus;
if (values.embedded) {
  const dataDir = path.resolve(env.DATA_DIR ?? 'data');
  db = await createPgliteDatabase({ dataDir: path.join(dataDir, 'pglite', 'bus'), schema: 'bus' });
  bus = await createLocalBus(db);
} else {
  // The services' Kafka settings (KAFKA_BROKERS, KAFKA_TLS*, KAFKA_SASL_*, KAFKA_ACKS), so the tool reaches a secured cluster too.
  const { kafka } = loadConfig({ service: 'dlq', schema: Type.Object({ kafka: kafkaSection }), env, envMap: commonEnv });
  bus = createKafkaBus({ brokers: kafka.brokers, clientId: 'dlq-tool', cluster: kafka });
}

try {
  const letters: DeadLetter[] = [];
  for (const topic of topics) letters.push(...(await bus.readAll(topic)).map(toDeadLetter));
  const wanted = values.id?.length ? letters.filter((l) => values.id!.includes(l.id)) : letters;
  const missing = (values.id ?? []).filter((id) => !letters.some((l) => l.id === id));
  if (missing.length > 0) fail(`no dead letter with id ${missing.join(', ')} in ${topics.join(', ')}`);

  if (command === 'list') {
    if (values.json) console.log(JSON.stringify(wanted.map(summary), null, 2));
    else if (wanted.length === 0) console.log(`no dead letters in ${topics.join(', ')}`);
    else for (const l of wanted) console.log(`${l.id}  ${l.topic}  ${l.partition}@${l.offset}  key=${l.key}  ${l.errorType}: ${l.error}`);
  } else if (command === 'show') {
    for (const l of wanted) console.log(JSON.stringify({ ...summary(l), headers: l.headers, value: parsed(l.raw) }, null, 2));
  } else {
    const publisher = bus.publisher();
    let failed = 0;
    for (const l of wanted) {
      try {
        const message = replayOf(l);
        await publisher.publish([message]);
        console.log(`replayed ${l.id} to ${message.topic} (key ${message.key}) as ${message.messageId}`);
      } catch (err) {
        failed++;
        console.error(`not replayed ${l.id}: ${(err as Error).message}`);
      }
    }
    if (wanted.length === 0) console.log(`no dead letters in ${topics.join(', ')}`);
    if (failed > 0) process.exitCode = 1;
  }
} finally {
  await bus.close();
  await db?.close();
}

function summary(l: DeadLetter) {
  return {
    id: l.id,
    dead_letter_topic: l.topic,
    partition: l.partition,
    offset: l.offset,
    original_topic: l.originalTopic,
    key: l.key,
    error_type: l.errorType,
    error: l.error,
  };
}

function parsed(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function fail(message: string): never {
  console.error(`dlq: ${message}\n${USAGE}`);
  process.exit(2);
}
