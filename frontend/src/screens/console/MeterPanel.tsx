/** Meter: what the work seen so far would have cost in AWS, in all and per correlation id (a campaign's
 * send, an import, any request and everything it caused), at list price from pricing/prices.json. */
import { DataTable, type Column } from '../../components/DataTable';
import { useLocalData } from '../../hooks/useLocalData';
import { NotAvailable, Panel } from './Panel';
import s from './style.module.css';
import type { PanelProps } from './tabs';

/** What `GET /_local/meter/{id}` (and each row of `GET /_local/meter`) says. */
export interface Metered {
  requests: number;
  units: Record<string, number>;
  cost: { services: Record<string, number>; total_usd: number; prices_transcribed_on: string };
}

interface MeterRow extends Metered {
  correlation_id: string;
  label: string;
}

interface MeterOverview {
  total: Metered;
  recent: MeterRow[];
}

/** Dollars as AWS would bill them: cents for sums that reach them, else two significant digits. */
export function usd(value: number): string {
  if (value === 0) return '$0';
  return value >= 0.01 ? `$${value.toFixed(2)}` : `$${value.toPrecision(2)}`;
}

/** "SES $0.01 · DynamoDB $0.00031 · …", dearest first. */
export function byService(cost: Metered['cost']): string {
  return Object.entries(cost.services)
    .filter(([, value]) => value > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([name, value]) => `${name} ${usd(value)}`)
    .join(' · ');
}

/** The trail's one line of cost: "In AWS this would have cost $X: SES $…, DynamoDB $…". */
export function TrailCost({ id, auto }: { id: string; auto: boolean }) {
  const m = useLocalData<Metered>(`/meter/${encodeURIComponent(id)}`, { auto });
  if (!m.data || m.data.requests === 0) return null;
  return (
    <p class="small" data-testid="console-trail-cost">
      In AWS this would have cost <strong>{usd(m.data.cost.total_usd)}</strong>: {byService(m.data.cost)}
    </p>
  );
}

export function MeterPanel({ auto, showTrail }: PanelProps) {
  const m = useLocalData<MeterOverview>('/meter', { auto });
  if (m.notAvailable) return <NotAvailable what="The meter" />;
  const columns: Column<MeterRow>[] = [
    {
      header: 'What began it',
      class: 'cell--wrap',
      cell: (row) => (
        <button type="button" class="btn btn--link" onClick={() => showTrail(row.correlation_id)} title={row.correlation_id}>
          {row.label || row.correlation_id}
        </button>
      ),
    },
    { header: 'Requests', num: true, cell: (row) => row.requests },
    { header: 'Cost', num: true, testid: 'console-meter-cost', cell: (row) => usd(row.cost.total_usd) },
    { header: 'By service', class: 'cell--wrap', cell: (row) => <span class="muted small">{byService(row.cost)}</span> },
  ];
  const total = m.data?.total;
  return (
    <Panel title="Meter" source={m}>
      <p class="muted small">
        Every AWS request the app made, billed as AWS bills it (request units from item sizes, GB-seconds, transitions,
        messages) and priced from pricing/prices.json{total ? ` (transcribed ${total.cost.prices_transcribed_on})` : ''}, list
        price without the free tier.
      </p>
      {total && (
        <p class={s.tools} data-testid="console-meter-total">
          Since start: <strong>{usd(total.cost.total_usd)}</strong> for {total.requests} requests · {byService(total.cost)}
        </p>
      )}
      <DataTable
        columns={columns}
        rows={m.data?.recent ?? []}
        rowKey={(row) => row.correlation_id}
        label="Cost per correlation id, newest first"
        testid="console-meter"
        rowTestid="console-meter-row"
        empty="Nothing metered yet."
        loading={m.loading}
        dense
      />
    </Panel>
  );
}
