import { describeError, type ApiErrorBody } from '../../lib/errors.ts';

/** Why an address was refused (`details.reason` of webhook_url_not_allowed). */
const URL_REFUSALS: Record<string, string> = {
  not_a_url: 'That is not a web address.',
  scheme_not_allowed: 'The address must start with https://.',
  credentials_in_url: 'The address must not contain a user name or password.',
  private_address: 'The address must reach the public internet: private, loopback and link-local addresses are refused.',
  unresolvable: 'That host name does not resolve: check the spelling.',
};

/** An API error of these pages as a sentence (the shared table, plus what is particular to webhooks). */
export function webhookErrorText(body: unknown, status: number): string {
  const b = (body ?? {}) as ApiErrorBody;
  if (b.error === 'webhook_url_not_allowed') {
    const reason = typeof b.details?.reason === 'string' ? b.details.reason : '';
    return URL_REFUSALS[reason] ?? 'The address must start with https:// and reach a public address.';
  }
  if (b.error === 'forbidden') return 'Only the owners and managers of an organization manage its webhooks.';
  return describeError(body, status);
}
