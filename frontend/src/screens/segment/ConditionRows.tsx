/** The rule's conditions, one row each: what it looks at, how it compares, with what. */
import { SUBSCRIBER_STATUSES } from '../../api';
import { statusLabel } from '../../components/Badges';
import { FIELD_OPTIONS, isEngagement, newRow, OPS, rowProblem, valueKind, type ConditionField, type ConditionRow } from '../../segments';
import s from './style.module.css';

function Select({ value, options, onValue, label, testid }: { value: string; options: readonly { value: string; label: string }[]; onValue: (v: string) => void; label: string; testid: string }) {
  return (
    <select class="input" value={value} onChange={(e) => onValue(e.currentTarget.value)} aria-label={label} data-testid={testid}>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

const PLACEHOLDERS: Record<string, string> = { within_last_days: 'days', in_last_campaigns: 'campaigns' };

function ValueInput({ row, i, onValue }: { row: ConditionRow; i: number; onValue: (v: string) => void }) {
  const kind = valueKind(row);
  const common = { 'aria-label': `Condition ${i + 1}: value`, 'data-testid': `segment-condition-value-${i}` };
  if (kind === 'none') return <span />;
  if (kind === 'status') {
    const options = SUBSCRIBER_STATUSES.map((st) => ({ value: st, label: statusLabel(st) }));
    return <Select value={row.value} options={options} onValue={onValue} label={common['aria-label']} testid={common['data-testid']} />;
  }
  return (
    <input
      {...common}
      class="input"
      type={kind === 'date' ? 'date' : kind === 'number' ? 'number' : 'text'}
      value={row.value}
      placeholder={kind === 'number' ? (PLACEHOLDERS[row.op] ?? 'number') : 'value'}
      onInput={(e) => onValue(e.currentTarget.value)}
    />
  );
}

export function ConditionRows({ rows, onRows }: { rows: ConditionRow[]; onRows: (rows: ConditionRow[]) => void }) {
  const set = (i: number, patch: Partial<ConditionRow>) => onRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset class={s.conditions}>
      <legend>Conditions</legend>
      {rows.length === 0 && <p class="muted small">No condition: everyone on the list (or lists).</p>}
      {rows.map((r, i) => {
        const problem = rowProblem(r);
        return (
          <div key={i} class={s.condition} data-testid="segment-condition">
            <Select
              value={r.field}
              options={FIELD_OPTIONS}
              onValue={(v) => set(i, newRow(v as ConditionField))}
              label={`Condition ${i + 1}: what it looks at`}
              testid={`segment-condition-field-${i}`}
            />
            {r.field === 'attribute' ? (
              <input
                class="input"
                value={r.key}
                placeholder="attribute"
                maxLength={64}
                onInput={(e) => set(i, { key: e.currentTarget.value })}
                aria-label={`Condition ${i + 1}: attribute name`}
                data-testid={`segment-condition-key-${i}`}
              />
            ) : (
              <span />
            )}
            <Select value={r.op} options={OPS[r.field]} onValue={(v) => set(i, { op: v })} label={`Condition ${i + 1}: comparison`} testid={`segment-condition-op-${i}`} />
            <ValueInput row={r} i={i} onValue={(v) => set(i, { value: v })} />
            <button type="button" class="btn btn--ghost btn--icon" onClick={() => onRows(rows.filter((_, j) => j !== i))} aria-label={`Remove condition ${i + 1}`} data-testid={`segment-condition-remove-${i}`}>
              ×
            </button>
            {problem && (
              <p class={`field__error ${s.problem}`} data-testid={`segment-condition-problem-${i}`}>
                {problem} (not counted until it is complete)
              </p>
            )}
          </div>
        );
      })}
      <button type="button" class="btn btn--small" onClick={() => onRows([...rows, newRow()])} data-testid="segment-condition-add">
        + Add a condition
      </button>
      <p class="field__hint">Text compares without regard to case; numbers, and text that is a number, as numbers; dates are written YYYY-MM-DD.</p>
      {rows.some((r) => isEngagement(r.field)) && (
        <p class="field__hint" data-testid="segment-engagement-hint">
          Opened and clicked read open and click tracking: a campaign sent without tracking records none. Apple Mail Privacy Protection opens every message it
          receives, so opens overstate readers; clicks are the surer sign. “Any of the last N campaigns” means opened (clicked) anything since the Nth-last
          campaign went out, so a late open of an older campaign counts too.
        </p>
      )}
    </fieldset>
  );
}
