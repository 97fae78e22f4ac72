/** Schedules: EventBridge Scheduler's one-time schedules (scheduled campaigns), and "Fire now". */
import { actionsColumn, type Column } from '../../components/DataTable';
import { FormError } from '../../components/FormError';
import { Time } from '../../components/Time';
import { useLocalData } from '../../hooks/useLocalData';
import { useSubmit } from '../../hooks/useSubmit';
import { localJson, type ScheduleEntry } from '../../localApi';
import { NotAvailable, Panel, PanelTable } from './Panel';
import type { PanelProps } from './tabs';

function campaignOf(input: unknown): string | null {
  if (input && typeof input === 'object' && 'campaign_id' in input) return String((input as Record<string, unknown>).campaign_id);
  return null;
}

export function SchedulesPanel({ auto }: PanelProps) {
  const list = useLocalData<ScheduleEntry[]>('/schedules', { auto });
  const fire = useSubmit<never, string>();
  const onFire = (x: ScheduleEntry) =>
    fire.handler({
      send: async () => {
        await localJson(`/schedules/${encodeURIComponent(x.group)}/${encodeURIComponent(x.name)}/fire`, { method: 'POST' });
        list.refresh();
        return `Fired ${x.name}: its target started now, as when it falls due.`;
      },
    });

  const columns: Column<ScheduleEntry>[] = [
    { header: 'Schedule', class: 'cell--mono cell--wrap', cell: (x) => x.name },
    { header: 'Due', cell: (x) => (x.due_at ? <Time at={x.due_at} class="small" /> : <span class="muted small">{x.expression}</span>) },
    { header: 'Campaign', class: 'cell--mono', cell: (x) => campaignOf(x.input) ?? '—' },
    { header: 'Target', class: 'cell--mono cell--wrap small', cell: (x) => x.target_arn ?? '—' },
    actionsColumn((x) => (
      <button type="button" class="btn btn--small btn--primary" onClick={onFire(x)} disabled={fire.sending} data-testid="console-schedule-fire">
        Fire now
      </button>
    )),
  ];

  if (list.notAvailable) return <NotAvailable what="Schedules" />;
  return (
    <Panel title="Schedules" source={list}>
      {fire.result && (
        <p class="saved" role="status" data-testid="console-schedule-fired">
          {fire.result}
        </p>
      )}
      <FormError error={fire.error} testid="console-schedule-error" />
      <PanelTable
        noun="schedule"
        columns={columns}
        rows={list.data ?? []}
        rowKey={(x) => `${x.group}/${x.name}`}
        empty="No schedule: a campaign scheduled for later shows here."
      />
    </Panel>
  );
}
