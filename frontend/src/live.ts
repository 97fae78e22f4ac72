/**
 * Live updates over a WebSocket (API Gateway WebSocket API in AWS, uvicorn's
 * /ws locally). Connects to `wsUrl?token=<access token>`, reconnects with
 * exponential backoff (capped, with jitter) and dispatches JSON messages
 * `{type, ...}` to the subscribers of that type (or of "*").
 *
 * The app's instance is in `liveApp.ts` (URL from /config.json, token from
 * the API client); the list screen uses it for `import.progress` messages.
 */

export interface LiveMessage {
  type: string;
  [key: string]: unknown;
}

export type LiveHandler = (msg: LiveMessage) => void;

export type LiveState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The part of the browser WebSocket this module uses (so tests can fake it). */
export interface WebSocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

export interface BackoffOptions {
  /** first retry delay before jitter (ms) */
  baseDelayMs: number;
  /** cap on any delay (ms) */
  maxDelayMs: number;
  /** [0, 1) source of jitter */
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseDelayMs: 1000, maxDelayMs: 30_000, random: Math.random };

/**
 * Delay before retry number `attempt` (0-based): exponential growth capped at
 * `maxDelayMs`, with "equal jitter" — half fixed, half random — so a fleet of
 * browsers does not reconnect in lockstep after an outage, yet the delay never
 * drops below half the nominal value. Always within [exp/2, exp] ⊆ [0, max].
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const exp = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, attempt));
  const half = exp / 2;
  return Math.round(half + opts.random() * half);
}

/** Append `token=<token>` to a URL that may already have a query string. */
export function withToken(url: string, token: string): string {
  const sep = url.includes('?') ? '&' : '?';
  return `${url}${sep}token=${encodeURIComponent(token)}`;
}

export interface LiveOptions extends Partial<BackoffOptions> {
  url: string | (() => string);
  /** current access token (the API client's); null → wait and retry */
  getToken: () => string | null | Promise<string | null>;
  createSocket?: WebSocketFactory;
  /** an open connection that lasted this long resets the backoff (ms) */
  stableAfterMs?: number;
  /**
   * send `{"action":"ping"}` this often while open (ms), so API Gateway does
   * not close the socket as idle (it does after 10 minutes); 0/undefined = never
   */
  pingIntervalMs?: number;
}

const OPEN = 1;

export class LiveClient {
  private readonly opts: LiveOptions;
  private readonly backoff: BackoffOptions;
  private readonly createSocket: WebSocketFactory;
  private readonly handlers = new Map<string, Set<LiveHandler>>();
  private readonly stateListeners = new Set<(s: LiveState) => void>();
  private socket: WebSocketLike | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pinger: ReturnType<typeof setInterval> | null = null;
  private running = false;
  private openedAt: number | null = null;
  private generation = 0;
  private _state: LiveState = 'idle';
  /** how many reconnects have failed in a row (drives the backoff) */
  attempt = 0;

  constructor(opts: LiveOptions) {
    this.opts = opts;
    this.backoff = {
      baseDelayMs: opts.baseDelayMs ?? DEFAULT_BACKOFF.baseDelayMs,
      maxDelayMs: opts.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs,
      random: opts.random ?? DEFAULT_BACKOFF.random,
    };
    this.createSocket = opts.createSocket ?? ((url) => new WebSocket(url) as unknown as WebSocketLike);
  }

  get state(): LiveState {
    return this._state;
  }

  /** Subscribe to messages of one `type`, or "*" for all. Returns an unsubscribe function. */
  subscribe(type: string, handler: LiveHandler): () => void {
    let set = this.handlers.get(type);
    if (!set) {
      set = new Set();
      this.handlers.set(type, set);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  onStateChange(listener: (s: LiveState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.stopPing();
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.onmessage = null;
      s.onopen = null;
      s.onerror = null;
      s.close(1000, 'client stop');
    }
    this.setState('closed');
  }

  /** Send a JSON message if connected; returns whether it was sent. */
  send(msg: Record<string, unknown>): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(msg));
    return true;
  }

  private setState(s: LiveState): void {
    if (s === this._state) return;
    this._state = s;
    for (const l of this.stateListeners) l(s);
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    this.timer = null;
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let token: string | null;
    try {
      token = await this.opts.getToken();
    } catch {
      token = null;
    }
    if (!this.running || gen !== this.generation) return;
    if (!token) {
      this.scheduleReconnect();
      return;
    }
    const base = typeof this.opts.url === 'function' ? this.opts.url() : this.opts.url;
    let socket: WebSocketLike;
    try {
      socket = this.createSocket(withToken(base, token));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.openedAt = null;
    socket.onopen = () => {
      this.openedAt = Date.now();
      this.setState('open');
      this.startPing();
    };
    socket.onmessage = (ev) => this.dispatch(ev.data);
    socket.onerror = () => {
      /* a close event follows; reconnect happens there */
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.stopPing();
      const stableAfter = this.opts.stableAfterMs ?? 5000;
      if (this.openedAt !== null && Date.now() - this.openedAt >= stableAfter) this.attempt = 0;
      this.openedAt = null;
      if (this.running) this.scheduleReconnect();
      else this.setState('closed');
    };
  }

  private startPing(): void {
    this.stopPing();
    const every = this.opts.pingIntervalMs ?? 0;
    if (every > 0) this.pinger = setInterval(() => this.send({ action: 'ping' }), every);
  }

  private stopPing(): void {
    if (this.pinger !== null) clearInterval(this.pinger);
    this.pinger = null;
  }

  private scheduleReconnect(): void {
    const delay = backoffDelay(this.attempt, this.backoff);
    this.attempt++;
    this.setState('reconnecting');
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private dispatch(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof msg !== 'object' || msg === null || typeof (msg as LiveMessage).type !== 'string') return;
    const m = msg as LiveMessage;
    for (const key of [m.type, '*']) {
      for (const h of this.handlers.get(key) ?? []) {
        try {
          h(m);
        } catch (err) {
          console.error('Herald live: subscriber failed', err);
        }
      }
    }
  }
}

/** Build the app's client: URL from /config.json, token from the API client. */
export function createLive(opts: LiveOptions): LiveClient {
  return new LiveClient(opts);
}
