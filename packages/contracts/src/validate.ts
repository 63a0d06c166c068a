import { Kind, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { UnrecoverableError } from '@ticketing/errors';

/** A message or payload that does not match its contract: it can never succeed, so it is dead-lettered at once. */
export class MalformedMessageError extends UnrecoverableError {
  readonly problems: string[];
  constructor(what: string, problems: string[]) {
    super(`malformed ${what}: ${problems.join('; ')}`.slice(0, 1000));
    this.name = 'MalformedMessageError';
    this.problems = problems;
  }
}

function describe(e: ValueError): string {
  const problem =
    e.type === ValueErrorType.Kind && e.schema[Kind] === 'Money' ? 'must be an amount ≥ 0 with at most two decimals' : e.message;
  return `${e.path || '(root)'}: ${problem}`;
}

/**
 * A union of objects told apart by their `type` (account emails): when exactly one member has the
 * value's type, its own problems are the ones worth naming, not "Expected union value".
 */
function* explain(e: ValueError): Generator<ValueError> {
  if (e.type === ValueErrorType.Union && e.errors.length > 0) {
    const members = e.errors.map((it) => [...it]);
    const sameType = members.filter((m) => !m.some((x) => x.path === `${e.path}/type`));
    if (sameType.length === 1) {
      for (const x of sameType[0]!) yield* explain(x);
      return;
    }
  }
  yield e;
}

/** A schema compiled once, with a readable list of what is wrong with a value. */
export interface Validator<T extends TSchema> {
  readonly schema: T;
  check(value: unknown): value is Static<T>;
  /** Up to `max` distinct problems, each `/path: what is wrong`. */
  problems(value: unknown, max?: number): string[];
}

export function compile<T extends TSchema>(schema: T): Validator<T> {
  const checker: TypeCheck<T> = TypeCompiler.Compile(schema);
  return {
    schema,
    check: (value): value is Static<T> => checker.Check(value),
    problems(value, max = 10) {
      const out = new Set<string>();
      outer: for (const error of checker.Errors(value)) {
        for (const e of explain(error)) {
          out.add(describe(e));
          if (out.size >= max) break outer;
        }
      }
      return [...out];
    },
  };
}
