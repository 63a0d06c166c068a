// `npm start` must serve the app on a fresh clone without a separate build step: the app is
// built when its build is missing or older than its sources. Staleness is a hash of the
// sources stored in the build output, so a checkout of other sources (not only newer files)
// triggers a build too.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const webAppDir = path.resolve(import.meta.dirname, '../../../apps/web');
export const defaultStaticDir = path.join(webAppDir, 'dist');
const HASH_FILE = '.source-hash';
const BUILD_LOCK = '.build-lock';
// The last: a package module the app bundles (the scanner reads ticket codes with it).
const SOURCES = [
  'src',
  'public',
  'index.html',
  'vite.config.ts',
  'package.json',
  'tsconfig.json',
  '../../packages/tickets/src/code-format.ts',
];

function listFiles(entry: string, out: string[]): void {
  if (!existsSync(entry)) return;
  if (statSync(entry).isDirectory()) {
    for (const name of readdirSync(entry).sort()) listFiles(path.join(entry, name), out);
  } else {
    out.push(entry);
  }
}

/** A hash of every source file of the app (paths and contents). */
export function webSourceHash(appDir = webAppDir): string {
  const files: string[] = [];
  for (const s of SOURCES) listFiles(path.join(appDir, s), files);
  const hash = createHash('sha256');
  for (const f of files) {
    hash.update(path.relative(appDir, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return hash.digest('hex');
}

export function isWebBuildFresh(appDir = webAppDir): boolean {
  const file = path.join(appDir, 'dist', HASH_FILE);
  return (
    existsSync(path.join(appDir, 'dist', 'index.html')) && existsSync(file) && readFileSync(file, 'utf8').trim() === webSourceHash(appDir)
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `build` while holding apps/web's build lock: one build at a time across processes (two
 * test files starting at once, `npm start` beside a test run), since Vite 8 refuses to start a
 * build while another of the same project runs. The lock is a file holding its owner's pid; a
 * lock whose owner died is taken over.
 */
async function withBuildLock<T>(appDir: string, build: () => Promise<T>): Promise<T> {
  const lock = path.join(appDir, BUILD_LOCK);
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(lock, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    // An empty file is a lock being written this instant: its owner is alive.
    if (owner > 0 && !isAlive(owner)) rmSync(lock, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    return await build();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Builds apps/web with Vite unless dist/ already matches the sources. Resolves to whether it built. */
export async function ensureWebBuild(log: (line: string) => void = () => undefined, appDir = webAppDir): Promise<boolean> {
  if (isWebBuildFresh(appDir)) return false;
  // Another process may have built these sources while this one waited for the lock.
  return withBuildLock(appDir, () => (isWebBuildFresh(appDir) ? Promise.resolve(false) : build(log, appDir)));
}

async function build(log: (line: string) => void, appDir: string): Promise<boolean> {
  let viteBin: string;
  try {
    viteBin = path.join(path.dirname(createRequire(path.join(appDir, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
  } catch {
    throw new Error('apps/web is not built and Vite is not installed: run `npm install` (with dev dependencies) first');
  }
  log('building the web app (apps/web) ...');
  const started = Date.now();
  const hash = webSourceHash(appDir);
  // Built aside and swapped in, so two processes starting at once never serve a half-written dist.
  const tmp = path.join(appDir, `dist.tmp-${process.pid}`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [viteBin, 'build', '--logLevel', 'warn', '--outDir', tmp, '--emptyOutDir'], {
      cwd: appDir,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}`))));
  });
  writeFileSync(path.join(tmp, HASH_FILE), `${hash}\n`);
  const dist = path.join(appDir, 'dist');
  const old = path.join(appDir, `dist.old-${process.pid}`);
  if (existsSync(dist)) renameSync(dist, old);
  try {
    renameSync(tmp, dist);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process swapped in the same build first
  }
  rmSync(old, { recursive: true, force: true });
  log(`web app built in ${Date.now() - started} ms`);
  return true;
}
