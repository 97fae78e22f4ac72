import { describe, expect, it, vi } from 'vitest';
import { expiresWithin, jwtExpiry, liveToken, refCounted } from '../src/liveApp';

function jwt(payload: object): string {
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${b64({ alg: 'RS256' })}.${b64(payload)}.sig`;
}

describe('token for the socket', () => {
  it('reads exp from a JWT, null when unreadable', () => {
    expect(jwtExpiry(jwt({ exp: 1_800_000_000 }))).toBe(1_800_000_000);
    expect(jwtExpiry('nonsense')).toBeNull();
    expect(jwtExpiry('a.%%%.c')).toBeNull();
    expect(jwtExpiry(jwt({ sub: 'x' }))).toBeNull();
  });

  it('expiresWithin compares exp with now', () => {
    const t = jwt({ exp: 1000 });
    expect(expiresWithin(t, 30_000, 1000 * 1000 - 60_000)).toBe(false);
    expect(expiresWithin(t, 30_000, 1000 * 1000 - 10_000)).toBe(true);
  });

  it('uses a fresh token as is', async () => {
    const fresh = jwt({ exp: Math.floor(Date.now() / 1000) + 3600 });
    const refresh = vi.fn(async () => true);
    expect(await liveToken({ getAccessToken: () => fresh, refresh })).toBe(fresh);
    expect(refresh).not.toHaveBeenCalled();
  });

  it('refreshes a missing or expiring token first; null when the session is gone', async () => {
    let current: string | null = jwt({ exp: Math.floor(Date.now() / 1000) + 5 });
    const renewed = jwt({ exp: Math.floor(Date.now() / 1000) + 3600 });
    const client = {
      getAccessToken: () => current,
      refresh: vi.fn(async () => {
        current = renewed;
        return true;
      }),
    };
    expect(await liveToken(client)).toBe(renewed);
    expect(await liveToken({ getAccessToken: () => null, refresh: async () => false })).toBeNull();
  });
});

describe('refCounted', () => {
  it('starts for the first user, stops after the last, and a double release counts once', () => {
    const start = vi.fn();
    const stop = vi.fn();
    const rc = refCounted(start, stop);
    const a = rc.acquire();
    const b = rc.acquire();
    expect(start).toHaveBeenCalledTimes(1);
    a();
    a();
    expect(stop).not.toHaveBeenCalled();
    expect(rc.users()).toBe(1);
    b();
    expect(stop).toHaveBeenCalledTimes(1);
    rc.acquire();
    expect(start).toHaveBeenCalledTimes(2);
  });
});
