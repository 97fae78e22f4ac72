/** Queues: depth, in flight and DLQ of every queue (a DLQ with messages is flagged), and the pollers. */
import { useState } from 'preact/hooks';
import { Badge } from '../../components/Badges';
import { actionsColumn, type Column } from '../../components/DataTable';
import { formatCount } from '../../format';
import { useLocalData } from '../../hooks/useLocalData';
import type { PollerInfo, QueueInfo } from '../../localApi';
import { DlqMessages } from './DlqMessages';
import { NotAvailable, Panel, PanelTable } from './Panel';
import s from './style.module.css';
import type { PanelProps } from './tabs';

const POLLER_COLUMNS: Column<PollerInfo>[] = [
  { header: 'Poller', class: 'cell--mono', cell: (x) => x.name },
  { header: 'Invocations', num: true, cell: (x) => formatCount(x.invocations) },
  { header: 'Errors', num: true, cell: (x) => formatCount(x.errors) },
];

export function QueuesPanel({ auto }: PanelProps) {
  const q = useLocalData<QueueInfo[]>('/queues', { auto });
  const p = useLocalData<PollerInfo[]>('/pollers', { auto });
  const [open, setOpen] = useState<string | null>(null);
  const queues = q.data ?? [];
  const dlqs = new Set(queues.map((x) => x.dlq).filter((x): x is string => !!x));
  const isDlq = (x: QueueInfo) => dlqs.has(x.name) || /[-_]dlq$/i.test(x.name);
  const alerting = (x: QueueInfo) => (x.dlq_depth ?? 0) > 0 || (isDlq(x) && x.depth > 0);
  const troubled = queues.filter(alerting);

  const columns: Column<QueueInfo>[] = [
    {
      header: 'Queue',
      class: 'cell--wrap',
      cell: (x) => (
        <>
          <span class="cell--mono">{x.name}</span>
          {isDlq(x) && (
            <>
              {' '}
              <Badge tone={x.depth > 0 ? 'danger' : 'muted'}>DLQ</Badge>
            </>
          )}
          {x.local && <div class="muted small">local wiring (an event source mapping / rule target in AWS)</div>}
        </>
      ),
    },
    { header: 'Depth', num: true, cell: (x) => formatCount(x.depth) },
    { header: 'In flight', num: true, cell: (x) => formatCount(x.in_flight) },
    { header: 'Delayed', num: true, cell: (x) => formatCount(x.delayed ?? 0) },
    { header: 'DLQ', class: 'cell--mono cell--wrap', cell: (x) => x.dlq ?? <span class="muted">—</span> },
    {
      header: 'DLQ depth',
      num: true,
      testid: 'console-queue-dlq-depth',
      cell: (x) =>
        x.dlq ? <strong class={(x.dlq_depth ?? 0) > 0 ? 'text--danger' : undefined}>{formatCount(x.dlq_depth ?? 0)}</strong> : '—',
    },
    actionsColumn((x) =>
      isDlq(x) ? (
        <button
          type="button"
          class="btn btn--small"
          aria-expanded={open === x.name}
          onClick={() => setOpen(open === x.name ? null : x.name)}
          data-testid="console-dlq-open"
        >
          Messages
        </button>
      ) : null,
    ),
  ];

  if (q.notAvailable) return <NotAvailable what="The queue list" />;
  return (
    <Panel title="Queues" source={q}>
      {q.data && (
        <p class={troubled.length ? 'alert alert--error' : 'muted small'} data-testid="console-queues-summary" role={troubled.length ? 'alert' : undefined}>
          {troubled.length
            ? `${troubled.length} dead-letter ${troubled.length === 1 ? 'queue has' : 'queues have'} messages: something failed after its retries.`
            : 'Every dead-letter queue is empty.'}
        </p>
      )}
      <PanelTable
        noun="queue"
        columns={columns}
        rows={queues}
        rowKey={(x) => x.name}
        rowAttrs={(x) => ({ class: alerting(x) ? 'row--alert' : undefined, 'data-queue': x.name, 'data-alert': String(alerting(x)) })}
      />
      {open && <DlqMessages name={open} auto={auto} onChanged={q.refresh} />}
      {p.data && p.data.length > 0 && (
        <>
          <h3 class={s.sub}>Pollers</h3>
          <PanelTable
            noun="poller"
            columns={POLLER_COLUMNS}
            rows={p.data}
            rowKey={(x) => x.name}
            rowAttrs={(x) => ({ class: x.errors > 0 ? 'row--alert' : undefined })}
          />
        </>
      )}
    </Panel>
  );
}
