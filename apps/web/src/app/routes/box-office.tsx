import { useAuth } from '../../lib/auth.tsx';
import { Link, navigate, useLocation } from '../../lib/router.tsx';
import { PageTitle } from '../../components/ui.tsx';
import { CreateEventForm, MyEvents, SalesView } from '../../features/box-office/box-office.tsx';
import { CancelEventPanel, CancellationProgress } from '../../features/box-office/cancel-event.tsx';
import { EventPolicies, WaitlistOfferTime } from '../../features/box-office/event-policies.tsx';
import { RefundBooking } from '../../features/box-office/refund-booking.tsx';
import { WaitingRoomPanel } from '../../features/queue/queue-stats.tsx';
import { AttendancePanel } from '../../features/check-in/attendance.tsx';
import { Scanner } from '../../features/check-in/scanner.tsx';
import { useRememberedEventName } from '../../features/check-in/use-offline-shell.ts';
import { useEvent } from '../../features/events/api.ts';
import { organizationRoleOf } from '../../lib/auth-token.ts';
import { canManageSales } from '../../lib/organizer-access.ts';
import { preloadSeatMap } from '../../lib/preload.ts';
import { useEffect } from 'react';

export function BoxOfficePage() {
  const { session } = useAuth();
  return (
    <>
      <PageTitle>Box office</PageTitle>
      <p>
        <Link to="/box-office/new" className="button primary">
          Create an event
        </Link>
      </p>
      <h2>Your events</h2>
      {session ? <MyEvents userId={session.user.user_id} /> : null}
    </>
  );
}

export function CreateEventPage() {
  // From an organization's page: a draft of that organization, then its editor.
  const organizationId = new URLSearchParams(useLocation().search).get('organization') ?? undefined;
  return (
    <>
      <PageTitle>{organizationId ? 'Create a draft event' : 'Create an event'}</PageTitle>
      <CreateEventForm
        organizationId={organizationId}
        onCreated={(id) => navigate(organizationId ? `/organizations/${organizationId}/events/${id}` : `/box-office/events/${id}`)}
      />
    </>
  );
}

export function SalesPage({ id }: { id: string }) {
  const { event } = useEvent(id);
  const { session } = useAuth();
  useEffect(() => preloadSeatMap(id), [id]);
  // Owners and managers refund bookings and set the policies; viewers see the sales only.
  const manages = event ? canManageSales(organizationRoleOf(session?.token, event.organization_id)) : false;
  return (
    <>
      <PageTitle>{event ? `Sales: ${event.name}` : 'Sales'}</PageTitle>
      <SalesView eventId={id} bookingAction={manages ? (b) => <RefundBooking booking={b} /> : undefined} />
      <AttendancePanel eventId={id} />
      <WaitingRoomPanel eventId={id} />
      {event && manages ? (
        <>
          <EventPolicies event={event} />
          <WaitlistOfferTime event={event} />
        </>
      ) : null}
      {event ? <CancelEventPanel eventId={id} eventName={event.name} cancelled={event.status === 'cancelled'} /> : null}
    </>
  );
}

export function CancellationPage({ id }: { id: string }) {
  const { event, error } = useEvent(id);
  return (
    <>
      <PageTitle>{event ? `Cancellation: ${event.name}` : 'Cancellation'}</PageTitle>
      {event ? <CancellationProgress eventId={id} currency={event.currency} /> : error ? <p role="alert">{error}</p> : null}
    </>
  );
}

export function ScannerPage({ id }: { id: string }) {
  const { event } = useEvent(id);
  const name = useRememberedEventName(id, event?.name);
  return (
    <>
      <PageTitle>{name ? `Check-in: ${name}` : 'Check-in'}</PageTitle>
      <Scanner eventId={id} />
      <p>
        <Link to={`/box-office/events/${id}`}>Back to the event's sales</Link>
      </p>
    </>
  );
}
