import { PageTitle } from '../../components/ui.tsx';
import { Link, useLocation } from '../../lib/router.tsx';
import { EventEditor, OrganizationsList, OrganizationView } from '../../features/organizations/organizations.tsx';
import { webhooksPath } from '../../lib/organizer-access.ts';
import { WebhookEndpoints } from '../../features/webhooks/endpoints.tsx';
import { WebhookEndpointView } from '../../features/webhooks/endpoint-view.tsx';
import { EventPolicies, WaitlistOfferTime } from '../../features/box-office/event-policies.tsx';
import { useEvent } from '../../features/events/api.ts';

export function OrganizationsPage() {
  return (
    <>
      <PageTitle>Organizations</PageTitle>
      <OrganizationsList />
    </>
  );
}

export function OrganizationPage({ id }: { id: string }) {
  return (
    <>
      <PageTitle>Organization</PageTitle>
      <p>
        <Link to="/organizations">All your organizations</Link>
      </p>
      <OrganizationView id={id} />
    </>
  );
}

export function EventEditorPage({ organizationId, eventId }: { organizationId: string; eventId: string }) {
  const { event } = useEvent(eventId);
  return (
    <>
      <PageTitle>Edit event</PageTitle>
      <p>
        <Link to={`/organizations/${organizationId}`}>Back to the organization</Link> ·{' '}
        <Link to={`/box-office/events/${eventId}`}>Sales</Link>
      </p>
      <EventEditor eventId={eventId} />
      {event ? (
        <>
          <EventPolicies event={event} />
          <WaitlistOfferTime event={event} />
        </>
      ) : null}
    </>
  );
}

export function WebhooksPage({ id }: { id: string }) {
  const { search } = useLocation();
  return (
    <>
      <PageTitle>Webhooks</PageTitle>
      <p>
        <Link to={`/organizations/${id}`}>Back to the organization</Link>
      </p>
      <WebhookEndpoints organizationId={id} deleted={new URLSearchParams(search).has('deleted')} />
    </>
  );
}

export function WebhookEndpointPage({ id, endpointId }: { id: string; endpointId: string }) {
  return (
    <>
      <PageTitle>Webhook endpoint</PageTitle>
      <p>
        <Link to={webhooksPath(id)}>All webhook endpoints</Link>
      </p>
      <WebhookEndpointView organizationId={id} endpointId={endpointId} />
    </>
  );
}
