// Buyer pages: each composes features; features never import each other.
import { useEffect } from 'react';
import { useAuth } from '../../lib/auth.tsx';
import { preloadSeatMap } from '../../lib/preload.ts';
import { Link, navigate, useLocation } from '../../lib/router.tsx';
import { ErrorMessage, PageTitle, Spinner } from '../../components/ui.tsx';
import { EventsList } from '../../features/events/events-list.tsx';
import { EventDetails } from '../../features/events/event-details.tsx';
import { useEvent } from '../../features/events/api.ts';
import { SeatPicker } from '../../features/seat-map/seat-picker.tsx';
import { Checkout } from '../../features/checkout/checkout.tsx';
import { BookingStatus } from '../../features/bookings/booking-status.tsx';
import { MyBookings } from '../../features/bookings/my-bookings.tsx';
import { LoginForm, ProfileForm, RegisterForm } from '../../features/auth/auth-forms.tsx';

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
  const { session } = useAuth();
  // The seat map loads beside the event, not after it (the first page load starts both in index.html).
  useEffect(() => preloadSeatMap(id), [id]);
  if (!event) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner />;
  return (
    <>
      <PageTitle>{event.name}</PageTitle>
      <EventDetails event={event} />
      <SeatPicker
        eventId={event.event_id}
        currency={event.currency}
        loggedIn={!!session}
        onNeedLogin={() => navigate(`/login?next=${encodeURIComponent(`/events/${id}`)}`)}
        onHeld={(holdId) => navigate(`/checkout/${holdId}`)}
      />
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
  return (
    <>
      <PageTitle>Your booking</PageTitle>
      <BookingStatus bookingId={id} />
      <p>
        <Link to="/bookings">All my bookings</Link>
      </p>
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
  return (
    <>
      <PageTitle>Log in</PageTitle>
      <LoginForm onDone={() => navigate(next, true)} />
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
    </>
  );
}
