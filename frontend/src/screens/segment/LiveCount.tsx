/** How many match the rule, counted as it is edited, and a sample of them. */
import type { SegmentRule, Subscriber } from '../../api';
import { StatusBadge } from '../../components/Badges';
import { DataTable, type Column } from '../../components/DataTable';
import { FormError } from '../../components/FormError';
import { formatCount } from '../../format';
import { useLiveCount } from './useLiveCount';

const SAMPLE_COLUMNS: Column<Subscriber>[] = [
  { header: 'Email', class: 'cell--strong cell--wrap', cell: (s) => s.email },
  { header: 'Name', cell: (s) => s.name || <span class="muted">—</span> },
  { header: 'Status', cell: (s) => <StatusBadge status={s.status} /> },
  { header: 'Attributes', class: 'cell--wrap cell--mono', cell: (s) => JSON.stringify(s.attributes) },
];

export function LiveCount({ listId, rule, listName }: { listId: string | null; rule: SegmentRule; listName: (id: string) => string }) {
  const { state, count, error } = useLiveCount(listId, rule);
  const matched = count?.matched ?? 0;
  return (
    <section class="card" aria-labelledby="segment-count-heading" data-testid="segment-count" data-state={state}>
      <h2 id="segment-count-heading">Who matches</h2>
      <FormError error={error} testid="segment-count-error" />
      <p role="status" aria-live="polite">
        <strong data-testid="segment-count-value">{formatCount(matched)}</strong>
        {state === 'counting' ? ' so far… (still counting)' : state === 'stopped' ? '+ (stopped counting: the lists are large)' : ' match'}
        {count && (
          <>
            {' '}
            · <span data-testid="segment-count-subscribed">{formatCount(count.subscribed)}</span> would be mailed (subscribed)
          </>
        )}
      </p>
      {count && count.sample.length > 0 && (
        <DataTable
          columns={[...SAMPLE_COLUMNS, { header: 'List', cell: (s) => listName(s.list_id) }]}
          rows={count.sample}
          rowKey={(s) => `${s.list_id}/${s.email}`}
          label="A sample of the matches"
          testid="segment-sample"
          rowTestid="segment-sample-row"
          dense
        />
      )}
    </section>
  );
}
