import type { Static, TSchema } from '@sinclair/typebox';
import { compile, MalformedMessageError, type Validator } from './validate.ts';

/**
 * The header that states a message's version. A message without it is version 1: every message
 * written before versions were explicit. Consumers are deployed before producers: a consumer reads
 * its current version and the previous ones (upgraded on read), and dead-letters a version it does
 * not know yet, where it can be replayed once the consumer is upgraded.
 */
export const VERSION_HEADER = 'message_version';

/** A message ready for a MessageBus publisher or an outbox row (structurally an OutgoingMessage). */
export interface ContractMessage<V> {
  topic: string;
  key: string;
  value: V;
  messageId?: string;
  headers: Record<string, string>;
}

export interface PreviousVersion<T extends TSchema, P extends TSchema> {
  version: number;
  schema: P;
  /** Turns a value of this version into a value of the current one. */
  upgrade(value: Static<P>): Static<T>;
}

export interface MessageContract<T extends TSchema> {
  /** The topic's name in docs/api.md (and its default name in config). */
  readonly name: string;
  readonly version: number;
  readonly schema: T;
  /** A message of the current version, with its version header. */
  message(m: {
    topic: string;
    key: string;
    value: Static<T>;
    messageId?: string;
    headers?: Record<string, string>;
  }): ContractMessage<Static<T>>;
  /**
   * The value of a received message, checked against the schema of its version and upgraded to
   * the current one. Throws MalformedMessageError (an UnrecoverableError: dead-lettered at once)
   * naming what is wrong.
   */
  decode(message: { raw: string; headers: Record<string, string> }): Static<T>;
}

export function defineMessage<T extends TSchema>(def: {
  name: string;
  version: number;
  schema: T;
  // Each previous version has its own schema type (upgrade is a method, so its parameter is checked bivariantly).
  previous?: PreviousVersion<T, TSchema>[];
}): MessageContract<T> {
  const current = compile(def.schema);
  const readers = new Map<number, { validator: Validator<TSchema>; upgrade: (v: unknown) => Static<T> }>([
    [def.version, { validator: current, upgrade: (v) => v }],
  ]);
  for (const p of def.previous ?? []) readers.set(p.version, { validator: compile(p.schema), upgrade: (v) => p.upgrade(v) });
  const known = [...readers.keys()].sort((a, b) => a - b).join(', ');
  const what = `${def.name} message`;

  return {
    name: def.name,
    version: def.version,
    schema: def.schema,
    message: (m) => ({ ...m, headers: { ...m.headers, [VERSION_HEADER]: String(def.version) } }),
    decode({ raw, headers }) {
      const stated = headers[VERSION_HEADER];
      const version = stated === undefined ? 1 : /^[1-9]\d{0,5}$/.test(stated) ? Number(stated) : NaN;
      const reader = readers.get(version);
      if (!reader)
        throw new MalformedMessageError(what, [`${VERSION_HEADER} ${JSON.stringify(stated)} is not one this consumer reads (${known})`]);
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        throw new MalformedMessageError(what, ['value is not JSON']);
      }
      if (!reader.validator.check(value)) throw new MalformedMessageError(what, reader.validator.problems(value));
      return reader.upgrade(value);
    },
  };
}
