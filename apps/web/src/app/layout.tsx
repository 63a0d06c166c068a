import type { ReactNode } from 'react';
import { useAuth } from '../lib/auth.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { logOut } from '../features/auth/account-forms.tsx';

export function Layout({ children }: { children: ReactNode }) {
  const { session, setSession } = useAuth();
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Ticketing
        </Link>
        <nav aria-label="Main">
          <Link to="/">Events</Link>
          {session ? (
            <>
              <Link to="/bookings">My bookings</Link>
              <Link to="/tickets">My tickets</Link>
              <Link to="/box-office">Box office</Link>
              <Link to="/organizations">Organizations</Link>
              <Link to="/profile">Profile</Link>
              <button
                type="button"
                className="link"
                onClick={() => {
                  void logOut(setSession).then(() => navigate('/'));
                }}
              >
                Log out
              </button>
            </>
          ) : (
            <>
              <Link to="/login">Log in</Link>
              <Link to="/register">Sign up</Link>
            </>
          )}
        </nav>
      </header>
      <main id="main">{children}</main>
      <footer className="foot">
        <p className="muted">
          {session ? `Logged in as ${session.user.first_name} ${session.user.last_name} (${session.user.email}).` : 'Not logged in.'} A
          demonstration shop: payments are simulated.
        </p>
      </footer>
    </>
  );
}
