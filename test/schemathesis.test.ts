// schemathesis (property-based fuzzing from the OpenAPI documents, `--checks all`) against the
// four services, in this process on real PostgreSQL, Redis and Kafka: no 5xx, every status
// and body as documented, invalid data refused, unsupported methods 405 with Allow. Bounded
// (fixed seed, few examples per operation) so it takes a few minutes. Exceptions, each with
// its reason, are in test/schemathesis.toml. scripts/schemathesis.sh installs the tool from
// PyPI into .tools/ on first use.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { serviceNames, startPlatform, type Platform } from './support/platform.ts';

const root = path.resolve(import.meta.dirname, '..');
const MAX_EXAMPLES = process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '15';
const SEED = process.env.SCHEMATHESIS_SEED ?? '20261130';

let platform: Platform;

before(
  async () => {
    const install = spawnSync('bash', ['scripts/schemathesis.sh', '--install'], { cwd: root, encoding: 'utf8' });
    assert.equal(install.status, 0, `installing schemathesis failed:\n${install.stderr}`);
    platform = await startPlatform();
    // the first run installs schemathesis from PyPI: minutes on a fresh, loaded CI machine
  },
  { timeout: 900_000 },
);

after(async () => {
  await platform?.close();
});

function schemathesis(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      'bash',
      [
        'scripts/schemathesis.sh',
        '--config-file',
        'test/schemathesis.toml',
        'run',
        '--checks',
        'all',
        '--phases',
        'examples,coverage,fuzzing',
        '--max-examples',
        MAX_EXAMPLES,
        '--seed',
        SEED,
        '--no-color',
        ...args,
      ],
      { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The failures section and the summary: what a reader needs when the run is red. */
const report = (output: string): string => output.slice(Math.max(0, output.indexOf('FAILURES') - 40)).slice(0, 12_000);

describe('schemathesis --checks all against every OpenAPI document', { timeout: 600_000 }, () => {
  for (const name of serviceNames) {
    it(`${name}: public API (user token)`, { timeout: 300_000 }, async () => {
      const service = platform.service(name);
      const run = await schemathesis([
        `${service.baseUrl}/openapi.json`,
        '--header',
        `Authorization: Bearer ${platform.tokens.user}`,
        '--exclude-path-regex',
        '^/internal/',
      ]);
      assert.equal(run.code, 0, report(run.output));
      assert.match(run.output, /No issues found|passed/, run.output.slice(-2000));
    });
  }

  it('events: internal API (service token)', { timeout: 300_000 }, async () => {
    const run = await schemathesis([
      `${platform.service('events').baseUrl}/openapi.json`,
      '--header',
      `Authorization: Bearer ${platform.tokens.internal}`,
      '--include-path-regex',
      '^/internal/',
    ]);
    assert.equal(run.code, 0, report(run.output));
  });
});
