/** The frame every console panel shares: heading, "Updated …" with "Refresh now", the error, "not available". */
import type { ComponentChildren } from 'preact';
import { DataTable, keyOf, type DataTableBaseProps, type RowKey } from '../../components/DataTable';
import { FormError } from '../../components/FormError';
import s from './style.module.css';

/** A route this build of the local runner does not have: said calmly, not as an error. */
export function NotAvailable({ what }: { what: string }) {
  return (
    <div class={s.calm} data-testid="console-not-available">
      <p>
        <strong>{what}</strong> is not available in this build of the local runner.
      </p>
      <p class="muted small">The console will show it once the server has this route; nothing is wrong.</p>
    </div>
  );
}

export function Updated({ at, loading, onRefresh }: { at: number | null; loading: boolean; onRefresh: () => void }) {
  return (
    <div class={s.updated}>
      <span class="muted small" aria-live="off">
        {at ? `Updated ${new Date(at).toLocaleTimeString()}` : loading ? 'Loading…' : ''}
      </span>
      <button type="button" class="btn btn--small" onClick={onRefresh} data-testid="console-refresh">
        Refresh now
      </button>
    </div>
  );
}

/** What a panel needs from `useLocalData` to show its head and error. */
export interface PanelSource {
  updatedAt: number | null;
  loading: boolean;
  refresh: () => void;
  error: unknown;
}

export function Panel({ title, source, children }: { title: string; source: PanelSource; children: ComponentChildren }) {
  return (
    <>
      <div class={s.head}>
        <h2>{title}</h2>
        <Updated at={source.updatedAt} loading={source.loading} onRefresh={source.refresh} />
      </div>
      <FormError error={source.error} testid="console-error" />
      {children}
    </>
  );
}

/** A collapsed JSON block. */
export function JsonDetails({ summary, value }: { summary: string; value: unknown }) {
  return (
    <details>
      <summary class="small">{summary}</summary>
      <pre class={s.json}>{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

/** "Correlation id … [Show trail]" under an event or an execution. */
export function TrailLink({ id, showTrail, testid }: { id: string; showTrail: (id: string) => void; testid?: string }) {
  return (
    <p class="small">
      Correlation id <code>{id}</code>{' '}
      <button type="button" class="btn btn--small" onClick={() => showTrail(id)} data-testid={testid}>
        Show trail
      </button>
    </p>
  );
}

export type PanelTableProps<T> = Omit<DataTableBaseProps<T>, 'label' | 'testid' | 'rowTestid' | 'dense'> &
  RowKey<T> & {
    /** what a row is, one word: the table is "<Noun>s", test ids `console-<noun>s-table` and `console-<noun>-row` */
    noun: string;
  };

/** A console panel's table: dense, named and test-id'd after what its rows are. */
export function PanelTable<T>(props: PanelTableProps<T>) {
  const { noun, ...table } = props;
  return (
    <DataTable
      {...table}
      rowKey={keyOf<T>(props)}
      label={`${noun.charAt(0).toUpperCase()}${noun.slice(1)}s`}
      testid={`console-${noun}s-table`}
      rowTestid={`console-${noun}-row`}
      dense
    />
  );
}
