/**
 * Runtime configuration, fetched from `/config.json` at start so one build
 * deploys to any stage (local uvicorn, dev, prod).
 */
export interface RuntimeConfig {
  /** Base of the HTTP API, e.g. "/api" (same origin) */
  apiBase: string;
  /** WebSocket endpoint, e.g. "ws://localhost:8000/ws" */
  wsUrl: string;
  /** Deployment stage: "local", "dev", "prod", ... */
  stage: string;
}

export function defaultConfig(loc: { protocol: string; host: string } = globalThis.location): RuntimeConfig {
  const wsProto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return { apiBase: '/api', wsUrl: `${wsProto}//${loc.host}/ws`, stage: 'unknown' };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merge a parsed /config.json over the defaults, ignoring fields of the wrong type. */
export function parseConfig(raw: unknown, defaults: RuntimeConfig): RuntimeConfig {
  if (!isRecord(raw)) return defaults;
  const pick = (k: keyof RuntimeConfig): string => {
    const v = raw[k];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : defaults[k];
  };
  return { apiBase: pick('apiBase').replace(/\/+$/, ''), wsUrl: pick('wsUrl'), stage: pick('stage') };
}

/**
 * Fetch /config.json. When it is missing or broken the SPA still works on the
 * same origin with the defaults; the failure is logged, not fatal.
 */
export async function loadConfig(fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)): Promise<RuntimeConfig> {
  const defaults = defaultConfig();
  try {
    const res = await fetchImpl('/config.json', { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return parseConfig(await res.json(), defaults);
  } catch (err) {
    console.warn('Herald: could not load /config.json, using same-origin defaults', err);
    return defaults;
  }
}

let current: RuntimeConfig | null = null;

export function setConfig(cfg: RuntimeConfig): void {
  current = cfg;
}

export function getConfig(): RuntimeConfig {
  return current ?? defaultConfig();
}
