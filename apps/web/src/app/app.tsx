import type { ReactNode } from 'react';
import { AuthProvider, useAuth } from '../lib/auth.tsx';
import { Link, matchPath, RouterProvider, useLocation } from '../lib/router.tsx';
import { PageTitle } from '../components/ui.tsx';
import { Layout } from './layout.tsx';
import {
  BookingPage,
  CheckoutPage,
  EventPage,
  HomePage,
  LoginPage,
  MyBookingsPage,
  MyTicketsPage,
  ProfilePage,
  QueuePage,
  RegisterPage,
  WaitlistPage,
} from './routes/buyer.tsx';
import { BoxOfficePage, CancellationPage, CreateEventPage, SalesPage, ScannerPage } from './routes/box-office.tsx';
import { ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from './routes/account.tsx';
import { EventEditorPage, OrganizationPage, OrganizationsPage, WebhookEndpointPage, WebhooksPage } from './routes/organizations.tsx';

type Route = [pattern: string, render: (p: Record<string, string>) => ReactNode, needsLogin?: boolean];

const ROUTES: Route[] = [
  ['/', () => <HomePage />],
  ['/events/:id', (p) => <EventPage id={p.id!} key={p.id} />],
  ['/events/:id/queue', (p) => <QueuePage id={p.id!} key={p.id} />, true],
  ['/events/:id/waitlist', (p) => <WaitlistPage id={p.id!} key={p.id} />, true],
  ['/checkout/:holdId', (p) => <CheckoutPage holdId={p.holdId!} key={p.holdId} />, true],
  ['/bookings', () => <MyBookingsPage />, true],
  ['/bookings/:id', (p) => <BookingPage id={p.id!} key={p.id} />, true],
  ['/tickets', () => <MyTicketsPage />, true],
  ['/login', () => <LoginPage />],
  ['/register', () => <RegisterPage />],
  ['/profile', () => <ProfilePage />, true],
  ['/verify-email', () => <VerifyEmailPage />],
  ['/forgot-password', () => <ForgotPasswordPage />],
  ['/reset-password', () => <ResetPasswordPage />],
  ['/box-office', () => <BoxOfficePage />, true],
  ['/box-office/new', () => <CreateEventPage />, true],
  ['/box-office/events/:id', (p) => <SalesPage id={p.id!} key={p.id} />, true],
  ['/box-office/events/:id/cancellation', (p) => <CancellationPage id={p.id!} key={p.id} />, true],
  ['/box-office/events/:id/scan', (p) => <ScannerPage id={p.id!} key={p.id} />, true],
  ['/organizations', () => <OrganizationsPage />, true],
  ['/organizations/:id', (p) => <OrganizationPage id={p.id!} key={p.id} />, true],
  ['/organizations/:id/webhooks', (p) => <WebhooksPage id={p.id!} key={p.id} />, true],
  [
    '/organizations/:id/webhooks/:endpointId',
    (p) => <WebhookEndpointPage id={p.id!} endpointId={p.endpointId!} key={p.endpointId} />,
    true,
  ],
  ['/organizations/:id/events/:eventId', (p) => <EventEditorPage organizationId={p.id!} eventId={p.eventId!} key={p.eventId} />, true],
];

function Routes() {
  const { path } = useLocation();
  const { session } = useAuth();
  for (const [pattern, render, needsLogin] of ROUTES) {
    const params = matchPath(pattern, path);
    if (!params) continue;
    if (needsLogin && !session) {
      return (
        <>
          <PageTitle>Please log in</PageTitle>
          <p>
            This page needs an account. <Link to={`/login?next=${encodeURIComponent(path)}`}>Log in</Link> or{' '}
            <Link to={`/register?next=${encodeURIComponent(path)}`}>sign up</Link>.
          </p>
        </>
      );
    }
    return render(params);
  }
  return (
    <>
      <PageTitle>Page not found</PageTitle>
      <p>
        There is nothing here. <Link to="/">See the events</Link>.
      </p>
    </>
  );
}

export function App() {
  return (
    <RouterProvider>
      <AuthProvider>
        <Layout>
          <Routes />
        </Layout>
      </AuthProvider>
    </RouterProvider>
  );
}
