import { PageTitle } from '../../components/ui.tsx';
import { Link } from '../../lib/router.tsx';
import { EventEditor, OrganizationsList, OrganizationView } from '../../features/organizations/organizations.tsx';

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
  return (
    <>
      <PageTitle>Edit event</PageTitle>
      <p>
        <Link to={`/organizations/${organizationId}`}>Back to the organization</Link> ·{' '}
        <Link to={`/box-office/events/${eventId}`}>Sales</Link>
      </p>
      <EventEditor eventId={eventId} />
    </>
  );
}
