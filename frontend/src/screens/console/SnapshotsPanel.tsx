/** Snapshots: save the whole local state under a name, load one back (the cloud restarts), delete. */
import { useState } from 'preact/hooks';
import { actionsColumn, type Column } from '../../components/DataTable';
import { ConfirmDialog } from '../../components/Dialog';
import { FormError } from '../../components/FormError';
import { Time } from '../../components/Time';
import { useLocalData } from '../../hooks/useLocalData';
import { useSubmit } from '../../hooks/useSubmit';
import { localJson, type SnapshotEntry } from '../../localApi';
import { NotAvailable, Panel, PanelTable } from './Panel';
import s from './style.module.css';
import type { PanelProps } from './tabs';
import { formatBytes, snapshotNameError } from './tools';

export function SnapshotsPanel({ auto }: PanelProps) {
  const list = useLocalData<SnapshotEntry[]>('/snapshots', { auto });
  const [name, setName] = useState('');
  const [loading, setLoading] = useState<string | null>(null);
  const save = useSubmit<'name', SnapshotEntry>();
  const act = useSubmit<never, string>();

  const onSave = save.handler({
    validate: () => ({ name: snapshotNameError(name) }),
    send: async () => {
      const entry = await localJson<SnapshotEntry>(`/snapshots/${encodeURIComponent(name.trim())}`, { method: 'PUT' });
      list.refresh();
      return entry;
    },
  });
  const onLoad = act.handler({
    kind: 'load',
    send: async () => {
      const target = loading ?? '';
      try {
        const answer = await localJson<{ loaded: string; seconds: number }>(`/snapshots/${encodeURIComponent(target)}/load`, { method: 'POST' });
        return `Loaded ${answer.loaded} in ${answer.seconds} s. Log in again: the app’s sessions belong to the state it replaced.`;
      } finally {
        setLoading(null);
        list.refresh();
      }
    },
  });
  const remove = (entry: SnapshotEntry) =>
    act.handler({
      kind: 'delete',
      send: async () => {
        await localJson<null>(`/snapshots/${encodeURIComponent(entry.name)}`, { method: 'DELETE' });
        list.refresh();
        return `Deleted ${entry.name}.`;
      },
    });

  const columns: Column<SnapshotEntry>[] = [
    { header: 'Name', class: 'cell--mono cell--strong', cell: (x) => x.name },
    { header: 'Size', num: true, cell: (x) => formatBytes(x.bytes) },
    { header: 'Saved', cell: (x) => <Time at={x.saved_at} class="small" /> },
    actionsColumn((x) => (
      <>
        <button type="button" class="btn btn--small" onClick={() => setLoading(x.name)} disabled={act.sending} data-testid="console-snapshot-load">
          Load
        </button>{' '}
        <button type="button" class="btn btn--small btn--danger-outline" onClick={remove(x)} disabled={act.sending} data-testid="console-snapshot-delete">
          Delete
        </button>
      </>
    )),
  ];

  if (list.notAvailable) return <NotAvailable what="Snapshots" />;
  return (
    <Panel title="Snapshots" source={list}>
      <p class="muted small">
        A snapshot is the whole local state (every table, queue, bucket, user, execution and mail). <code>make seed</code> saves
        a realistic one named <code>seed</code>.
      </p>
      <form ref={save.form} class={s.tools} onSubmit={onSave} noValidate>
        <label for="console-snapshot-name">Save the state as</label>
        <input
          id="console-snapshot-name"
          class="input input--mono"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          aria-invalid={save.errors.name ? 'true' : undefined}
          data-testid="console-snapshot-name"
        />
        <button type="submit" class="btn btn--primary btn--small" disabled={save.sending} data-testid="console-snapshot-save">
          {save.sending ? 'Saving…' : 'Save'}
        </button>
      </form>
      {save.errors.name && <p class="field__error" data-testid="console-snapshot-name-error">{save.errors.name}</p>}
      <FormError error={save.error ?? act.error} testid="console-snapshot-error" />
      {save.result && (
        <p class="saved" role="status" data-testid="console-snapshot-saved">
          Saved {save.result.name} ({formatBytes(save.result.bytes)}).
        </p>
      )}
      {act.result && (
        <p class="saved" role="status" data-testid="console-snapshot-result">
          {act.result}
        </p>
      )}
      <PanelTable
        noun="snapshot"
        columns={columns}
        rows={list.data ?? []}
        rowKey={(x) => x.name}
        empty="No snapshot saved yet."
      />
      {loading && (
        <ConfirmDialog
          title={`Load ${loading}?`}
          confirmLabel="Load"
          busyLabel="Loading…"
          busy={act.sending}
          onConfirm={onLoad}
          onCancel={() => setLoading(null)}
          testid="console-snapshot-load"
        >
          <p>The current state is replaced by the snapshot: the embedded cloud restarts, and what runs in it stops.</p>
        </ConfirmDialog>
      )}
    </Panel>
  );
}
