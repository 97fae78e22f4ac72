import { describe, expect, it, vi } from 'vitest';
import { defaultConfig, loadConfig, parseConfig } from '../src/config';

const defaults = defaultConfig({ protocol: 'https:', host: 'herald.example.com' });

describe('runtime config', () => {
  it('derives same-origin defaults from the page location', () => {
    expect(defaults).toEqual({ apiBase: '/api', wsUrl: 'wss://herald.example.com/ws', stage: 'unknown' });
    expect(defaultConfig({ protocol: 'http:', host: 'localhost:8000' }).wsUrl).toBe('ws://localhost:8000/ws');
  });

  it('takes the values of /config.json and trims a trailing slash from apiBase', () => {
    expect(parseConfig({ apiBase: 'https://api.example.com/prod/', wsUrl: 'wss://ws.example.com/prod', stage: 'prod' }, defaults)).toEqual({
      apiBase: 'https://api.example.com/prod',
      wsUrl: 'wss://ws.example.com/prod',
      stage: 'prod',
    });
  });

  it('ignores wrong types and keeps the defaults for them', () => {
    expect(parseConfig({ apiBase: 42, wsUrl: '', stage: 'local' }, defaults)).toEqual({ ...defaults, stage: 'local' });
    expect(parseConfig(null, defaults)).toBe(defaults);
    expect(parseConfig(['x'], defaults)).toBe(defaults);
  });

  it('loadConfig falls back to defaults when /config.json is missing', async () => {
    vi.stubGlobal('location', { protocol: 'http:', host: 'localhost:5173' });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const fetchFn = vi.fn(async () => new Response('not found', { status: 404 }));
    const cfg = await loadConfig(fetchFn as unknown as typeof fetch);
    expect(cfg).toEqual({ apiBase: '/api', wsUrl: 'ws://localhost:5173/ws', stage: 'unknown' });
    expect(warn).toHaveBeenCalled();
    const ok = vi.fn(async () => Response.json({ apiBase: '/api', wsUrl: 'ws://localhost:8000/ws', stage: 'local' }));
    expect((await loadConfig(ok as unknown as typeof fetch)).stage).toBe('local');
    expect(ok).toHaveBeenCalledWith('/config.json', expect.objectContaining({ credentials: 'same-origin' }));
    vi.unstubAllGlobals();
  });
});
