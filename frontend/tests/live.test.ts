import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, LiveClient, withToken, type LiveMessage, type WebSocketLike } from '../src/live';

class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  readyState = 0;
  sent: string[] = [];
  closedWith: number | undefined;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  // server-side actions
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  message(data: unknown) {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

const last = () => FakeSocket.all[FakeSocket.all.length - 1]!;

function client(overrides: Partial<ConstructorParameters<typeof LiveClient>[0]> = {}) {
  return new LiveClient({
    url: 'ws://localhost:8000/ws',
    getToken: () => 'tok en',
    createSocket: (url) => new FakeSocket(url),
    baseDelayMs: 1000,
    maxDelayMs: 30_000,
    random: () => 0.5,
    ...overrides,
  });
}

/** Let the async connect() (it awaits getToken) run. */
const flush = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('backoffDelay', () => {
  it('doubles from the base and stays within [exp/2, exp]', () => {
    const opts = { baseDelayMs: 1000, maxDelayMs: 30_000 };
    expect(backoffDelay(0, { ...opts, random: () => 0 })).toBe(500);
    expect(backoffDelay(0, { ...opts, random: () => 0.999999 })).toBe(1000);
    expect(backoffDelay(3, { ...opts, random: () => 0 })).toBe(4000);
    expect(backoffDelay(3, { ...opts, random: () => 0.999999 })).toBe(8000);
  });
  it('is capped at 30 s however many attempts', () => {
    for (const attempt of [5, 10, 50, 1000]) {
      for (const r of [0, 0.3, 0.999999]) {
        const d = backoffDelay(attempt, { baseDelayMs: 1000, maxDelayMs: 30_000, random: () => r });
        expect(d).toBeLessThanOrEqual(30_000);
        expect(d).toBeGreaterThanOrEqual(15_000);
      }
    }
  });
  it('jitters: different random draws give different delays', () => {
    const opts = { baseDelayMs: 1000, maxDelayMs: 30_000 };
    expect(backoffDelay(2, { ...opts, random: () => 0.1 })).not.toBe(backoffDelay(2, { ...opts, random: () => 0.9 }));
  });
});

describe('withToken', () => {
  it('adds the token as a query parameter, encoded', () => {
    expect(withToken('ws://h/ws', 'a b+c')).toBe('ws://h/ws?token=a%20b%2Bc');
    expect(withToken('wss://h/prod?x=1', 't')).toBe('wss://h/prod?x=1&token=t');
  });
});

describe('LiveClient', () => {
  it('connects to wsUrl?token=<access token>', async () => {
    const live = client();
    live.start();
    await flush();
    expect(FakeSocket.all).toHaveLength(1);
    expect(last().url).toBe('ws://localhost:8000/ws?token=tok%20en');
    last().open();
    expect(live.state).toBe('open');
    live.stop();
  });

  it('dispatches JSON messages by type and to "*" subscribers, ignoring junk', async () => {
    const live = client();
    const progress = vi.fn();
    const all = vi.fn();
    const unsubscribe = live.subscribe('campaign.progress', progress);
    live.subscribe('*', all);
    live.start();
    await flush();
    last().open();
    last().message({ type: 'campaign.progress', sent: 3 });
    last().message({ type: 'other' });
    last().message('not json');
    last().message({ no: 'type' });
    expect(progress).toHaveBeenCalledTimes(1);
    expect(progress.mock.calls[0]![0]).toEqual({ type: 'campaign.progress', sent: 3 });
    expect(all.mock.calls.map((c) => (c[0] as LiveMessage).type)).toEqual(['campaign.progress', 'other']);
    unsubscribe();
    last().message({ type: 'campaign.progress', sent: 4 });
    expect(progress).toHaveBeenCalledTimes(1);
    live.stop();
  });

  it('a throwing subscriber does not stop the others', async () => {
    const live = client();
    const errSpy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const good = vi.fn();
    live.subscribe('x', () => {
      throw new Error('bad');
    });
    live.subscribe('x', good);
    live.start();
    await flush();
    last().message({ type: 'x' });
    expect(good).toHaveBeenCalledOnce();
    expect(errSpy).toHaveBeenCalled();
    live.stop();
  });

  it('reconnects with exponential backoff: 1 s, 2 s, 4 s, ... capped at 30 s', async () => {
    const live = client({ random: () => 0.999999 }); // upper edge: delay == nominal
    live.start();
    await flush();
    const expected = [1000, 2000, 4000, 8000, 16000, 30000, 30000];
    for (const delay of expected) {
      const before = FakeSocket.all.length;
      last().drop();
      expect(live.state).toBe('reconnecting');
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(FakeSocket.all.length).toBe(before); // not yet
      await vi.advanceTimersByTimeAsync(1);
      expect(FakeSocket.all.length).toBe(before + 1); // reconnected exactly at `delay`
    }
    live.stop();
  });

  it('applies jitter to the delay', async () => {
    const live = client({ random: () => 0 }); // lower edge: half the nominal delay
    live.start();
    await flush();
    last().drop();
    await vi.advanceTimersByTimeAsync(499);
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(2);
    live.stop();
  });

  it('resets the backoff after a connection that stayed open, not after a flapping one', async () => {
    const live = client({ random: () => 0.999999, stableAfterMs: 5000 });
    live.start();
    await flush();
    last().drop(); // attempt 0 → 1 s
    await vi.advanceTimersByTimeAsync(1000);
    last().open();
    last().drop(); // open for 0 ms: flapping, keep growing → 2 s
    expect(live.attempt).toBe(2);
    await vi.advanceTimersByTimeAsync(2000);
    last().open();
    await vi.advanceTimersByTimeAsync(6000); // stable
    last().drop();
    expect(live.attempt).toBe(1); // reset to 0, then this failure scheduled with 1 s
    const before = FakeSocket.all.length;
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.all.length).toBe(before + 1);
    live.stop();
  });

  it('fetches a fresh token for every connection attempt', async () => {
    let n = 0;
    const live = client({ getToken: () => `t${++n}` });
    live.start();
    await flush();
    last().drop();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(FakeSocket.all.map((s) => s.url)).toEqual(['ws://localhost:8000/ws?token=t1', 'ws://localhost:8000/ws?token=t2']);
    live.stop();
  });

  it('without a token, waits and retries instead of connecting', async () => {
    let token: string | null = null;
    const live = client({ getToken: () => token });
    live.start();
    await flush();
    expect(FakeSocket.all).toHaveLength(0);
    expect(live.state).toBe('reconnecting');
    token = 'now';
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.all).toHaveLength(1);
    live.stop();
  });

  it('stop() closes the socket and cancels any pending reconnect', async () => {
    const live = client();
    const states: string[] = [];
    live.onStateChange((s) => states.push(s));
    live.start();
    await flush();
    last().drop();
    live.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(live.state).toBe('closed');
    expect(states).toEqual(['connecting', 'reconnecting', 'closed']);

    const live2 = client();
    live2.start();
    await flush();
    const s = last();
    s.open();
    live2.stop();
    expect(s.closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('send() only sends while open', async () => {
    const live = client();
    expect(live.send({ type: 'ping' })).toBe(false);
    live.start();
    await flush();
    last().open();
    expect(live.send({ type: 'ping' })).toBe(true);
    expect(last().sent).toEqual(['{"type":"ping"}']);
    live.stop();
  });
});

describe('keepalive', () => {
  it('pings while open, and stops pinging when the socket closes', async () => {
    const live = client({ pingIntervalMs: 1000 });
    live.start();
    await flush();
    const s = last();
    s.open();
    await vi.advanceTimersByTimeAsync(2500);
    expect(s.sent.map((x) => JSON.parse(x))).toEqual([{ action: 'ping' }, { action: 'ping' }]);
    live.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.sent).toHaveLength(2);
  });
  it('does not ping unless asked', async () => {
    const live = client();
    live.start();
    await flush();
    last().open();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(last().sent).toEqual([]);
    live.stop();
  });
});
