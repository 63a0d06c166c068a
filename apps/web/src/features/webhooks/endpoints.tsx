import { useState, type FormEvent } from 'react';
import { canManageWebhooks } from '../../lib/organizer-access.ts';
import { Link } from '../../lib/router.tsx';
import { useAction, useLoad } from '../../lib/use-api.ts';
import { ErrorMessage, Notice, Spinner } from '../../components/ui.tsx';
import {
  createEndpoint,
  endpointPath,
  findOrganization,
  listEndpoints,
  type Endpoint,
  type EndpointWithSecret,
  type Organization,
} from './api.ts';
import { EndpointFields, readEndpointFields } from './endpoint-fields.tsx';
import { SecretPanel } from './secret-panel.tsx';

/** "Enabled", or why and since when it is not. */
export function endpointState(e: Pick<Endpoint, 'enabled' | 'disabled_reason'>): string {
  if (e.enabled) return 'Enabled';
  return e.disabled_reason ? `Disabled: ${e.disabled_reason}` : 'Disabled';
}

/**
 * Loads the organization and says whether the caller may manage its webhooks; renders the
 * refusal itself. Staff and viewers never reach the API's 403.
 */
export function useWebhookOrganization(organizationId: string) {
  // null: the caller is no member of it.
  const { data: org, error } = useLoad(
    async (): Promise<Organization | null> => (await findOrganization(organizationId)) ?? null,
    [organizationId],
  );
  let refusal: string | null = null;
  if (error) refusal = error;
  else if (org === null) refusal = 'This organization does not exist, or you are not a member of it.';
  else if (org && !canManageWebhooks(org.role))
    refusal = `Only the owners and managers of ${org.name} manage its webhooks; your role is ${org.role}.`;
  return { org, refusal };
}

/** The organization's endpoints, and the form that adds one (its secret is shown once). */
export function WebhookEndpoints({ organizationId, deleted }: { organizationId: string; deleted: boolean }) {
  const { org, refusal } = useWebhookOrganization(organizationId);
  const manageable = !!org && !refusal;
  const {
    data: endpoints,
    error,
    reload,
  } = useLoad(
    async (): Promise<Endpoint[] | undefined> => (manageable ? listEndpoints(organizationId) : undefined),
    [manageable, organizationId],
  );
  const { busy, error: formError, setError: setFormError, run } = useAction();
  const [created, setCreated] = useState<EndpointWithSecret | null>(null);

  async function create(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const values = readEndpointFields(form);
    if (typeof values === 'string') return setFormError(values);
    await run(async () => {
      const { description, ...rest } = values;
      const endpoint = await createEndpoint({ organization_id: organizationId, ...rest, ...(description ? { description } : {}) });
      form.reset();
      setCreated(endpoint);
      reload();
    });
  }

  if (refusal) return <ErrorMessage>{refusal}</ErrorMessage>;
  if (!org) return <Spinner label="Loading the organization…" />;
  return (
    <>
      <p>
        {org.name} is told about what happens (bookings, events, check-ins) by signed HTTPS requests to the addresses below. Each delivery
        is retried for up to 24 hours until your receiver answers 2xx.
      </p>
      {deleted ? <Notice>The endpoint was deleted.</Notice> : null}
      {created ? <SecretPanel title={`Signing secret for ${created.url}`} secret={created.secret} onDone={() => setCreated(null)} /> : null}
      <h2>Endpoints</h2>
      <ErrorMessage>{error}</ErrorMessage>
      {!endpoints ? (
        error ? null : (
          <Spinner label="Loading the endpoints…" />
        )
      ) : endpoints.length === 0 ? (
        <p>No endpoints yet.</p>
      ) : (
        <table className="table">
          <caption className="sr-only">Webhook endpoints</caption>
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Event types</th>
              <th scope="col">State</th>
              <th scope="col">Failures in a row</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.map((e) => (
              <tr key={e.endpoint_id}>
                <td data-label="Address" className="wrap">
                  <Link to={endpointPath(organizationId, e.endpoint_id)}>{e.url}</Link>
                  {e.description ? <div className="muted">{e.description}</div> : null}
                </td>
                <td data-label="Event types">{e.event_types.join(', ')}</td>
                <td data-label="State">{endpointState(e)}</td>
                <td data-label="Failures in a row">{e.consecutive_failures}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 id="new-endpoint-heading">Add an endpoint</h2>
      <form className="form" onSubmit={(e) => void create(e)} aria-labelledby="new-endpoint-heading" noValidate>
        <EndpointFields />
        <ErrorMessage>{formError}</ErrorMessage>
        <button type="submit" className="primary" disabled={busy}>
          Add endpoint
        </button>
      </form>
    </>
  );
}
