/** Executions: Step Functions executions, newest first; one opens with its input, output and history. */
import { useState } from 'preact/hooks';
import { Badge } from '../../components/Badges';
import { FormError } from '../../components/FormError';
import { formatCount, formatDateTime } from '../../format';
import { useLocalData } from '../../hooks/useLocalData';
import { asList } from '../../localApi';
import { JsonDetails, NotAvailable, Panel, TrailLink } from './Panel';
import s from './style.module.css';
import type { PanelProps } from './tabs';
import { TrailList } from './TrailList';

interface ExecutionRow {
  arn: string;
  name: string;
  state_machine: string;
  status: string;
  started_at: string | null;
  stopped_at: string | null;
  duration_ms: number | null;
  correlation_id: string | null;
}

interface ExecutionDetail extends ExecutionRow {
  input: unknown;
  output: unknown;
  error: string | null;
  cause: string | null;
  history: Record<string, unknown>[];
}

function statusTone(status: string | null): string {
  const st = (status ?? '').toLowerCase();
  if (['succeeded', 'success', 'ok', 'completed'].includes(st)) return 'ok';
  if (['failed', 'error', 'timed_out', 'aborted'].some((x) => st.includes(x))) return 'danger';
  if (['running', 'in_progress'].includes(st)) return 'info';
  return 'muted';
}

/** One execution: error, input / output and its history (GET /_local/executions/{arn}). */
function ExecutionHistory({ arn }: { arn: string }) {
  const d = useLocalData<ExecutionDetail>(`/executions/${encodeURIComponent(arn)}`, { auto: false });
  const e = d.data;
  return (
    <div class={s.execution} data-testid="console-execution-history">
      {d.notAvailable && <NotAvailable what="An execution’s history" />}
      <FormError error={d.error} testid="console-execution-error" />
      {!e && d.loading && <p class="muted small">Loading…</p>}
      {e && (
        <>
          {(e.error || e.cause) && (
            <div class="alert alert--error">
              <p>
                <strong>{e.error}</strong>
              </p>
              {e.cause && <p class="small">{e.cause}</p>}
            </div>
          )}
          <JsonDetails summary="Input" value={e.input} />
          {e.output !== null && e.output !== undefined && <JsonDetails summary="Output" value={e.output} />}
          <TrailList entries={asList(e.history)} />
        </>
      )}
    </div>
  );
}

export function ExecutionsPanel({ auto, showTrail }: PanelProps) {
  const x = useLocalData<ExecutionRow[]>('/executions', { auto });
  const items = asList(x.data) as unknown as ExecutionRow[];
  const [open, setOpen] = useState<string | null>(null);
  if (x.notAvailable) return <NotAvailable what="The executions list" />;
  return (
    <Panel title="Executions" source={x}>
      <p class="muted small">Step Functions executions, newest first.</p>
      {x.data !== null && items.length === 0 && (
        <p class="muted" data-testid="console-executions-empty">
          No executions yet.
        </p>
      )}
      <ol class={s.entries} data-testid="console-executions">
        {items.map((item, i) => (
          <li key={item.arn ?? i} data-testid="console-execution-row">
            <button
              type="button"
              class={s.linklike}
              aria-expanded={open === item.arn}
              onClick={() => setOpen(open === item.arn ? null : item.arn)}
              data-testid="console-execution-open"
            >
              <strong>{item.state_machine || item.name}</strong>
            </button>{' '}
            <Badge tone={statusTone(item.status)}>{item.status}</Badge>{' '}
            <span class="muted small">
              {formatDateTime(item.started_at)}
              {item.duration_ms !== null && item.duration_ms !== undefined ? ` · ${formatCount(item.duration_ms)} ms` : ''}
            </span>
            <div class="muted small cell--mono">{item.name}</div>
            {item.correlation_id && <TrailLink id={item.correlation_id} showTrail={showTrail} />}
            {open === item.arn && <ExecutionHistory arn={item.arn} />}
          </li>
        ))}
      </ol>
    </Panel>
  );
}
