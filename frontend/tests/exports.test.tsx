// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Export } from '../src/api';

const calls = vi.hoisted(() => ({
  createExport: vi.fn(),
  getExport: vi.fn(),
  saveUrl: vi.fn(),
  handlers: new Map<string, (msg: Record<string, unknown>) => void>(),
}));

vi.mock('../src/api', async (original) => ({
  ...(await original<typeof import('../src/api')>()),
  api: { createExport: calls.createExport, getExport: calls.getExport },
}));
vi.mock('../src/download', () => ({ saveUrl: calls.saveUrl }));
vi.mock('../src/liveApp', () => ({
  acquireLive: () => () => undefined,
  live: {
    subscribe: (type: string, handler: (msg: Record<string, unknown>) => void) => {
      calls.handlers.set(type, handler);
      return () => calls.handlers.delete(type);
    },
  },
}));

const { ApiError } = await import('../src/api');
const { ExportButton } = await import('../src/components/ExportButton');

function job(fields: Partial<Export>): Export {
  return {
    id: 'e1',
    kind: 'list',
    source_id: 'l1',
    status: 'queued',
    file_name: 'Readers.csv',
    rows: 0,
    bytes: 0,
    failure: null,
    created_at: '2026-12-01T12:00:00Z',
    started_at: null,
    completed_at: null,
    expires_at: '2026-12-08T12:00:00Z',
    download_url: null,
    download_expires_at: null,
    ...fields,
  };
}

let root: HTMLElement;
const byTestId = (id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const settle = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 20)));

beforeEach(() => {
  root = document.createElement('div');
  document.body.appendChild(root);
  vi.clearAllMocks();
  calls.handlers.clear();
});

afterEach(() => {
  render(null, root);
  root.remove();
});

describe('ExportButton', () => {
  it('starts a job, shows its pushed progress, and downloads the file once it is ready', async () => {
    calls.createExport.mockResolvedValue(job({}));
    calls.getExport.mockResolvedValue(job({ status: 'ready', rows: 2, download_url: 'https://s3.test/e1' }));
    await act(() => render(<ExportButton kind="list" id="l1" testid="x-export" />, root));

    await act(() => byTestId('x-export')!.click());
    await settle();
    expect(calls.createExport).toHaveBeenCalledWith('list', 'l1');
    expect(byTestId('x-export')!.hasAttribute('disabled')).toBe(true);

    await act(() => calls.handlers.get('export.progress')!({ type: 'export.progress', ...job({ status: 'running', rows: 5000 }) }));
    expect(byTestId('x-export')!.textContent).toContain('5,000 rows');

    // a push says ready (without a link): the link is asked for, then the file downloaded, once
    await act(() => calls.handlers.get('export.status')!({ type: 'export.status', ...job({ status: 'ready', rows: 2 }) }));
    await settle();
    expect(calls.getExport).toHaveBeenCalledWith('e1');
    expect(calls.saveUrl).toHaveBeenCalledTimes(1);
    expect(calls.saveUrl).toHaveBeenCalledWith('https://s3.test/e1');
    expect(byTestId('x-export-download')!.getAttribute('href')).toBe('https://s3.test/e1');
  });

  it('says so when the owner already has exports running', async () => {
    calls.createExport.mockRejectedValue(new ApiError(429, 'exports_busy', 'busy'));
    await act(() => render(<ExportButton kind="campaign" id="c1" testid="x-export" />, root));

    await act(() => byTestId('x-export')!.click());
    await settle();

    expect(byTestId('x-export-error')!.textContent).toContain('other exports are still running');
    expect(byTestId('x-export')!.hasAttribute('disabled')).toBe(false);
  });
});
