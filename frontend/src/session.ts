/**
 * Who is logged in: a small store over the API client, shared by the shell
 * and the screens through `useSession()`.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Me } from './api';
import { navigate } from './router';

export type Session =
  | { status: 'loading' }
  | { status: 'anon'; notice?: string }
  | { status: 'authed'; me: Me };

let session: Session = { status: 'loading' };
const listeners = new Set<(s: Session) => void>();

function set(next: Session): void {
  session = next;
  for (const l of listeners) l(session);
}

export function getSession(): Session {
  return session;
}

export function useSession(): Session {
  const [s, setS] = useState(session);
  useEffect(() => {
    listeners.add(setS);
    setS(session);
    return () => {
      listeners.delete(setS);
    };
  }, []);
  return s;
}

export function isAdmin(me: Me | null | undefined): boolean {
  return !!me && Array.isArray(me.groups) && me.groups.includes('admins');
}

api.onAuthLost(() => {
  if (session.status === 'authed') set({ status: 'anon', notice: 'Your session has ended. Please log in again.' });
});

/** On load: silent refresh with the cookie; a live session goes straight to the app. */
export async function initSession(): Promise<void> {
  try {
    if (await api.refresh()) {
      set({ status: 'authed', me: await api.getMe() });
      return;
    }
    set({ status: 'anon' });
  } catch (err) {
    const notice =
      err instanceof ApiError && err.status === 0 ? err.message : undefined;
    set(notice ? { status: 'anon', notice } : { status: 'anon' });
  }
}

/** Log in, then load the profile (groups decide the admin nav). */
export async function logIn(email: string, password: string): Promise<Me> {
  await api.login({ email, password });
  const me = await api.getMe();
  set({ status: 'authed', me });
  return me;
}

/** Log out and land on the log-in page (not on "/login?next=..."). */
export async function logOut(): Promise<void> {
  let notice = 'You have logged out.';
  try {
    await api.logout();
  } catch {
    // The token is gone from memory anyway, but the server kept the refresh
    // cookie, so a reload would log back in: say so.
    notice = 'You are logged out in this tab, but the server could not be reached to end the session everywhere.';
  }
  // Same tick as the state change, so the route guard never sees a private
  // page without a session.
  navigate('/login', { replace: true });
  set({ status: 'anon', notice });
}

export function setMe(me: Me): void {
  set({ status: 'authed', me });
}
