import { readFileSync, existsSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import type { Static, TSchema } from '@sinclair/typebox';
import { parse as parseYaml } from 'yaml';
import { messageOf } from '@ticketing/errors';

export { Type } from '@sinclair/typebox';
export type { Static } from '@sinclair/typebox';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions<T extends TSchema> {
  /** Service name, used in error messages. */
  service: string;
  schema: T;
  /** YAML file to read when present; missing files are fine (defaults and env apply). */
  file?: string | undefined;
  /**
   * Environment variable name → dot path in the config (e.g. `DATABASE_URL` → `database.url`);
   * a path ending in `[]` splits the value on commas.
   */
  envMap?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  /** Values that win over the file and the environment (tests, embedded mode). */
  overrides?: DeepPartial<Static<T>>;
}

export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/**
 * Loads a service's configuration once at start: schema defaults, then the YAML file, then
 * environment variables, then explicit overrides. Throws a ConfigError naming every bad key.
 */
export function loadConfig<T extends TSchema>(options: LoadConfigOptions<T>): Readonly<Static<T>> {
  const env = options.env ?? process.env;
  let merged: Record<string, unknown> = {};
  if (options.file && existsSync(options.file)) {
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(options.file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${options.service}: cannot parse ${options.file}: ${messageOf(err)}`);
    }
    if (parsed !== null && parsed !== undefined) {
      if (!isPlainObject(parsed)) throw new ConfigError(`${options.service}: ${options.file} must hold a mapping`);
      merged = deepMerge(merged, parsed);
    }
  }
  for (const [name, path] of Object.entries(options.envMap ?? {})) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    // A path ending in [] takes a comma-separated list (e.g. CORS_ORIGINS=a,b).
    merged = path.endsWith('[]')
      ? setPath(
          merged,
          path.slice(0, -2),
          raw
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        )
      : setPath(merged, path, raw);
  }
  if (options.overrides) merged = deepMerge(merged, options.overrides);

  const withDefaults = Value.Default(options.schema, merged);
  const converted = Value.Convert(options.schema, withDefaults);
  const cleaned = Value.Clean(options.schema, converted);
  const errors = [...Value.Errors(options.schema, cleaned)];
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${pathToKey(e.path)}: ${e.message}`);
    const unique = [...new Set(lines)];
    throw new ConfigError(`${options.service}: invalid configuration\n${unique.join('\n')}`);
  }
  return deepFreeze(cleaned as Static<T>);
}

const SECRET_KEY = /(secret|password|token|key)$/i;

/** Copy of a config with secrets (and credentials inside URLs) replaced, fit for a log line. */
export function redact(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key) && value !== '') return '[redacted]';
    return value.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:[redacted]@');
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, key));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

function pathToKey(path: string): string {
  return path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const existing = out[k];
    out[k] = isPlainObject(existing) && isPlainObject(v) ? deepMerge(existing, v) : v;
  }
  return out;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('.');
  if (head === undefined) return obj;
  if (rest.length === 0) return { ...obj, [head]: value };
  const child = obj[head];
  return { ...obj, [head]: setPath(isPlainObject(child) ? child : {}, rest.join('.'), value) };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
