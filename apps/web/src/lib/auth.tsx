import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { loadSession, saveSession, type Session } from './auth-token.ts';

interface AuthState {
  session: Session | null;
  setSession: (s: Session | null) => void;
}

const AuthContext = createContext<AuthState>({ session: null, setSession: () => undefined });

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, set] = useState<Session | null>(() => loadSession());
  const setSession = useCallback((s: Session | null) => {
    saveSession(s);
    set(s);
  }, []);
  // Log out when the token expires, and follow logins and logouts in other tabs.
  useEffect(() => {
    const onStorage = () => set(loadSession());
    window.addEventListener('storage', onStorage);
    const timer = session ? setTimeout(() => setSession(null), Math.max(0, session.expiresAt - Date.now())) : undefined;
    return () => {
      window.removeEventListener('storage', onStorage);
      if (timer) clearTimeout(timer);
    };
  }, [session, setSession]);
  return <AuthContext.Provider value={{ session, setSession }}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  return useContext(AuthContext);
}
