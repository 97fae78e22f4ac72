/**
 * The app's WebSocket: URL from /config.json (`wsUrl`), token from the API
 * client. It runs only while some screen needs it (`acquireLive`), so people
 * who never look at an import never open a socket.
 */
import { api } from './api';
import { getConfig } from './config';
import { LiveClient } from './live';

/** Seconds-since-epoch `exp` of a JWT, or null when it cannot be read. */
export function jwtExpiry(token: string): number | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const json = JSON.parse(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4))) as { exp?: unknown };
    return typeof json.exp === 'number' ? json.exp : null;
  } catch {
    return null;
  }
}

/** Does the token run out within `ms` (or is it unreadable)? */
export function expiresWithin(token: string, ms: number, now: number = Date.now()): boolean {
  const exp = jwtExpiry(token);
  return exp === null ? false : exp * 1000 - now < ms;
}

/**
 * The token to open the socket with: the one in memory, refreshed first when
 * it is missing or about to expire (the handshake refuses an expired one).
 */
export async function liveToken(client: Pick<typeof api, 'getAccessToken' | 'refresh'> = api): Promise<string | null> {
  const token = client.getAccessToken();
  if (token && !expiresWithin(token, 30_000)) return token;
  try {
    return (await client.refresh()) ? client.getAccessToken() : null;
  } catch {
    return token; // network blip: try with what we have, the backoff handles the rest
  }
}

export const live = new LiveClient({
  url: () => getConfig().wsUrl,
  getToken: () => liveToken(),
  pingIntervalMs: 4 * 60_000,
});

/** `acquire()` runs `start` for the first user and `stop` when the last one releases. */
export function refCounted(start: () => void, stop: () => void): { acquire: () => () => void; users: () => number } {
  let count = 0;
  return {
    users: () => count,
    acquire() {
      count++;
      if (count === 1) start();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        count--;
        if (count === 0) stop();
      };
    },
  };
}

const shared = refCounted(
  () => live.start(),
  () => live.stop(),
);

/** Start the socket for a screen; call the returned function when the screen is gone. */
export const acquireLive = shared.acquire;

// Logging out ends the socket too (screens release it as they unmount).
api.onTokenChange((token) => {
  if (token === null && shared.users() > 0) live.stop();
});
