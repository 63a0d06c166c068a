// One way to call the API and say what went wrong: `call` answers the data or throws an ApiError
// whose message is a sentence for a person; `messageOf` turns any failure into that sentence.
import { describeError, NETWORK_ERROR, type ApiErrorBody } from '../errors.ts';

/** What the typed client's methods answer (openapi-fetch). */
export interface ApiAnswer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The API refused a call: `message` is the sentence to show, `code` and `details` what the body said. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  constructor(message: string, status: number, body: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    const b = (body ?? {}) as ApiErrorBody;
    this.code = b.error;
    this.details = b.details;
  }
}

/**
 * The data of an API call, or an ApiError; `describe` words the refusal (the shared table by
 * default). A request that never got an answer rejects as the fetch did (a TypeError).
 */
export async function call<T>(
  request: Promise<ApiAnswer<T>>,
  describe: (body: unknown, status: number) => string = describeError,
): Promise<T> {
  const { data, error, response } = await request;
  if (data !== undefined) return data;
  if (response.ok) return undefined as T; // 204: nothing to answer
  throw new ApiError(describe(error, response.status), response.status, error);
}

/** The sentence for a failed call: the API's refusal, else that the server could not be reached (fetch rejects with a TypeError). */
export function messageOf(err: unknown): string {
  return err instanceof Error && !(err instanceof TypeError) ? err.message : NETWORK_ERROR;
}
