// Deletes the Kafka topics whose names start with any of the given prefixes:
//   node packages/testing/src/delete-topics.ts <brokers> <prefix>…
// Run by a test process as it exits (uniqueTopicPrefix in index.ts), on its own: the test's
// exit waits for nothing, and nothing of the test uses the topics any more. Best effort: a
// broker that does not answer in time leaves them (the run is not failed for it).
import { Admin } from '@platformatic/kafka';

/** Deletes the topics that start with one of `prefixes`; resolves to how many it deleted. */
export async function deleteTopicsWithPrefixes(brokers: string, prefixes: readonly string[]): Promise<number> {
  if (prefixes.length === 0) return 0;
  const admin = new Admin({ clientId: 'test-topic-cleanup', bootstrapBrokers: brokers.split(','), timeout: 10_000, retries: 2 });
  try {
    const topics = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(p)));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    return topics.length;
  } finally {
    await admin.close();
  }
}

if (import.meta.main) {
  const [brokers = '', ...prefixes] = process.argv.slice(2);
  const timer = setTimeout(() => process.exit(0), 30_000);
  timer.unref();
  await deleteTopicsWithPrefixes(brokers, prefixes).catch(() => undefined);
}
