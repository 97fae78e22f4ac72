/** Resources: what the template declared and what the embedded cloud did with each. */
import { useState } from 'preact/hooks';
import { Badge } from '../../components/Badges';
import type { Column } from '../../components/DataTable';
import { useLocalData } from '../../hooks/useLocalData';
import type { Resource } from '../../localApi';
import { NotAvailable, Panel, PanelTable } from './Panel';
import s from './style.module.css';
import type { PanelProps } from './tabs';

function resourceTone(status: string): string {
  const st = status.toLowerCase();
  if (st === 'created' || st === 'emulated' || st === 'ok') return 'ok';
  if (st.includes('fail') || st.includes('error')) return 'danger';
  if (st.includes('not')) return 'warn';
  return 'muted';
}

const COLUMNS: Column<Resource>[] = [
  { header: 'Logical id', class: 'cell--strong', cell: (x) => x.logical_id },
  { header: 'Type', cell: (x) => <code>{x.type}</code> },
  { header: 'Physical id', class: 'cell--wrap cell--mono', cell: (x) => x.physical_id ?? <span class="muted">—</span> },
  {
    header: 'Status',
    class: 'cell--wrap',
    cell: (x) => (
      <>
        <Badge tone={resourceTone(x.status)}>{x.status}</Badge>
        {x.detail && <div class="muted small">{x.detail}</div>}
      </>
    ),
  },
];

export function ResourcesPanel({ auto }: PanelProps) {
  const r = useLocalData<Resource[]>('/resources', { auto });
  const [filter, setFilter] = useState('');
  const all = r.data ?? [];
  const f = filter.trim().toLowerCase();
  const shown = f
    ? all.filter((x) => `${x.logical_id} ${x.type} ${x.physical_id ?? ''} ${x.status}`.toLowerCase().includes(f))
    : all;
  const counts = all.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x.status]: (acc[x.status] ?? 0) + 1 }), {});

  if (r.notAvailable) return <NotAvailable what="The resource list" />;
  return (
    <Panel title="Resources" source={r}>
      <div class={s.tools}>
        <label for="console-resources-filter" class="visually-hidden">
          Filter resources
        </label>
        <input
          id="console-resources-filter"
          type="search"
          class="input"
          placeholder="Filter by id, type or status"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
          data-testid="console-resources-filter"
        />
        <span class="muted small" data-testid="console-resources-summary">
          {all.length} resources
          {Object.entries(counts)
            .sort()
            .map(([k, n]) => ` · ${n} ${k}`)
            .join('')}
        </span>
      </div>
      <PanelTable
        noun="resource"
        columns={COLUMNS}
        rows={shown}
        rowKey={(x) => x.logical_id}
        empty={r.data ? 'Nothing matches.' : undefined}
      />
    </Panel>
  );
}
