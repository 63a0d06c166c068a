// The web app's build on demand (src/build.ts): processes that find it stale at the same moment
// (two browser test files, `npm start` beside a test run) build it once, one after the other, as
// Vite refuses two builds of one project at a time; a lock left by a process that died is taken
// over. A throwaway app beside apps/web, so the real build is not touched.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { isWebBuildFresh, webAppDir } from '../src/build.ts';

const run = promisify(execFile);
const appDir = path.join(path.dirname(webAppDir), `build-test-${process.pid}`);
const buildModule = path.resolve(import.meta.dirname, '../src/build.ts');

/** ensureWebBuild in a process of its own; resolves to whether that process built. */
async function buildInChild(): Promise<boolean> {
  const script = `const { ensureWebBuild } = await import(${JSON.stringify(buildModule)}); console.log(await ensureWebBuild(() => {}, ${JSON.stringify(appDir)}));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
  return stdout.trim() === 'true';
}

describe('building the web app on demand', () => {
  before(() => {
    mkdirSync(path.join(appDir, 'src'), { recursive: true });
    writeFileSync(path.join(appDir, 'package.json'), '{ "name": "build-test", "private": true, "type": "module" }\n');
    writeFileSync(path.join(appDir, 'index.html'), '<!doctype html><title>t</title><script type="module" src="/src/main.ts"></script>\n');
    writeFileSync(path.join(appDir, 'src/main.ts'), 'document.title = "built";\n');
  });
  after(() => rmSync(appDir, { recursive: true, force: true }));

  it('builds once when several processes find it stale at the same moment', async () => {
    const built = await Promise.all([buildInChild(), buildInChild(), buildInChild()]);
    assert.equal(built.filter(Boolean).length, 1, `one process built, the others found its build (${built.join(', ')})`);
    assert.ok(isWebBuildFresh(appDir));
    assert.ok(existsSync(path.join(appDir, 'dist/index.html')));
    assert.ok(!existsSync(path.join(appDir, '.build-lock')), 'the lock is released');
  });

  it('takes over a lock whose owner died, and builds changed sources', async () => {
    writeFileSync(path.join(appDir, 'src/main.ts'), 'document.title = "built again";\n');
    assert.ok(!isWebBuildFresh(appDir));
    // A pid that no process has: the owner of this lock is gone.
    writeFileSync(path.join(appDir, '.build-lock'), '4194303');
    assert.equal(await buildInChild(), true);
    assert.ok(isWebBuildFresh(appDir));
    assert.ok(!existsSync(path.join(appDir, '.build-lock')));
    assert.match(readFileSync(path.join(appDir, 'dist/.source-hash'), 'utf8'), /^[0-9a-f]{64}\n$/);
  });
});
