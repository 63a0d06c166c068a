// Buyer pages: each composes features; features never import each other.
import { useEffect, useState } from 'react';
import { useAuth } from '../../lib/auth.tsx';
import { preloadSeatMap } from '../../lib/preload.ts';
import { Link, navigate, useLocation } from '../../lib/router.tsx';
import { ErrorMessage, Notice, PageTitle, Spinner } from '../../components/ui.tsx';
import { EventsList } from '../../features/events/events-list.tsx';
import { EventDetails } from '../../features/events/event-details.tsx';
import { useEvent } from '../../features/events/api.ts';
import { SeatPicker } from '../../features/seat-map/seat-picker.tsx';
import { Checkout } from '../../features/checkout/checkout.tsx';
import { BookingStatus } from '../../features/bookings/booking-status.tsx';
import { MyBookings } from '../../features/bookings/my-bookings.tsx';
import { BookingTickets, MyTickets } from '../../features/tickets/my-tickets.tsx';
import { LoginForm, ProfileForm, RegisterForm } from '../../features/auth/auth-forms.tsx';
import { useWaitingRoom } from '../../features/queue/api.ts';
import { QueueView } from '../../features/queue/queue-view.tsx';
import { admissionFor } from '../../lib/admission.ts';
import { ChangePasswordForm } from '../../features/auth/account-forms.tsx';
import { WaitlistJoin, WaitlistView } from '../../features/waitlist/waitlist-view.tsx';

export function HomePage() {
  return (
    <>
      <PageTitle>Find an event</PageTitle>
      <EventsList />
    </>
  );
}

export function EventPage({ id }: { id: string }) {
  const { event, error } = useEvent(id);
  const { room } = useWaitingRoom(id);
  const { session } = useAuth();
  // The seat map loads beside the event, not after it (the first page load starts both in index.html).
  useEffect(() => preloadSeatMap(id), [id]);
  if (!event || !room) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner />;
  // An on-sale with a waiting room: the seat map only with this tab's admission.
  const queued = room.enabled && !admissionFor(id);
  return (
    <>
      <PageTitle>{event.name}</PageTitle>
      <EventDetails event={event} />
      {queued ? (
        <section aria-label="Waiting room">
          <p>Sales for this event go through a waiting room, so that everyone gets a fair chance.</p>
          <button
            type="button"
            className="primary"
            onClick={() => navigate(session ? `/events/${id}/queue` : `/login?next=${encodeURIComponent(`/events/${id}/queue`)}`)}
          >
            Join the queue
          </button>
        </section>
      ) : (
        <SeatPicker
          eventId={event.event_id}
          currency={event.currency}
          loggedIn={!!session}
          onNeedLogin={() => navigate(`/login?next=${encodeURIComponent(`/events/${id}`)}`)}
          onHeld={(holdId) => navigate(`/checkout/${holdId}`)}
        />
      )}
      {event.available_seats === 0 && event.status === 'on_sale' ? (
        <section aria-label="Sold out">
          <h2>Sold out</h2>
          <p>
            Join the waiting list: seats that come back are offered in order, and held for you for a while.{' '}
            <Link to={`/events/${id}/waitlist`}>Your waiting list</Link>
          </p>
          {session ? (
            <WaitlistJoin eventId={id} sections={event.sections.map((s) => s.name)} onJoined={() => navigate(`/events/${id}/waitlist`)} />
          ) : (
            <button
              type="button"
              className="primary"
              onClick={() => navigate(`/login?next=${encodeURIComponent(`/events/${id}/waitlist`)}`)}
            >
              Log in to join the waiting list
            </button>
          )}
        </section>
      ) : null}
    </>
  );
}

export function WaitlistPage({ id }: { id: string }) {
  const { event, error } = useEvent(id);
  if (!event) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner />;
  return (
    <>
      <PageTitle>{`Waiting list: ${event.name}`}</PageTitle>
      <p>
        <Link to={`/events/${id}`}>Back to the event</Link>
      </p>
      <WaitlistView eventId={id} sections={event.sections.map((s) => s.name)} onCheckout={(holdId) => navigate(`/checkout/${holdId}`)} />
    </>
  );
}

export function QueuePage({ id }: { id: string }) {
  const { event, error } = useEvent(id);
  if (!event) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner />;
  return (
    <>
      <PageTitle>{`Waiting room: ${event.name}`}</PageTitle>
      <QueueView eventId={id} onAdmitted={() => navigate(`/events/${id}`, true)} />
    </>
  );
}

export function CheckoutPage({ holdId }: { holdId: string }) {
  return (
    <>
      <PageTitle>Checkout</PageTitle>
      <Checkout holdId={holdId} onBooked={(b) => navigate(`/bookings/${b}`)} onReleased={(eventId) => navigate(`/events/${eventId}`)} />
    </>
  );
}

export function BookingPage({ id }: { id: string }) {
  // The confirmation issues the tickets, a cancellation invalidates some: they are loaded again on each.
  const [version, setVersion] = useState('');
  return (
    <>
      <PageTitle>Your booking</PageTitle>
      <BookingStatus bookingId={id} onStatus={(status, cancelled) => setVersion(`${status}:${cancelled}`)} />
      <BookingTickets bookingId={id} version={version} />
      <p>
        <Link to="/bookings">All my bookings</Link> · <Link to="/tickets">All my tickets</Link>
      </p>
    </>
  );
}

export function MyTicketsPage() {
  return (
    <>
      <PageTitle>My tickets</PageTitle>
      <MyTickets />
    </>
  );
}

export function MyBookingsPage() {
  return (
    <>
      <PageTitle>My bookings</PageTitle>
      <MyBookings />
    </>
  );
}

function useNext(): string {
  const { search } = useLocation();
  const next = new URLSearchParams(search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const next = useNext();
  const { search } = useLocation();
  return (
    <>
      <PageTitle>Log in</PageTitle>
      {new URLSearchParams(search).get('reset') ? <Notice>Your password is changed. Log in with the new one.</Notice> : null}
      <LoginForm onDone={() => navigate(next, true)} />
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      <p>
        No account yet? <Link to={`/register?next=${encodeURIComponent(next)}`}>Sign up</Link>
      </p>
    </>
  );
}

export function RegisterPage() {
  const next = useNext();
  return (
    <>
      <PageTitle>Create your account</PageTitle>
      <RegisterForm onDone={() => navigate(next, true)} />
      <p>
        Already registered? <Link to={`/login?next=${encodeURIComponent(next)}`}>Log in</Link>
      </p>
    </>
  );
}

export function ProfilePage() {
  return (
    <>
      <PageTitle>Your profile</PageTitle>
      <ProfileForm />
      <h2>Password</h2>
      <ChangePasswordForm />
    </>
  );
}
