import { useAuth } from '../../lib/auth.tsx';
import { Link, navigate } from '../../lib/router.tsx';
import { PageTitle } from '../../components/ui.tsx';
import { CreateEventForm, MyEvents, SalesView } from '../../features/box-office/box-office.tsx';
import { WaitingRoomPanel } from '../../features/queue/queue-stats.tsx';
import { useEvent } from '../../features/events/api.ts';
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
  return (
    <>
      <PageTitle>Create an event</PageTitle>
      <CreateEventForm onCreated={(id) => navigate(`/box-office/events/${id}`)} />
    </>
  );
}

export function SalesPage({ id }: { id: string }) {
  const { event } = useEvent(id);
  useEffect(() => preloadSeatMap(id), [id]);
  return (
    <>
      <PageTitle>{event ? `Sales: ${event.name}` : 'Sales'}</PageTitle>
      <SalesView eventId={id} />
      <WaitingRoomPanel eventId={id} />
    </>
  );
}
