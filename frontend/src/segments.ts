/**
 * Segment logic with no DOM: the editor's condition rows as the API's rule (and back), what each
 * kind of condition may compare, and the live count that adds up the API's bounded steps.
 */
import type { SegmentCondition, SegmentPreview, SegmentRule, Subscriber } from './api';

export type ConditionField = SegmentCondition['field'];

/** One condition as the editor holds it: every part is text until it is sent. */
export interface ConditionRow {
  field: ConditionField;
  key: string;
  op: string;
  value: string;
}

export const FIELD_OPTIONS: readonly { value: ConditionField; label: string }[] = [
  { value: 'attribute', label: 'Attribute' },
  { value: 'status', label: 'Status' },
  { value: 'subscribed_at', label: 'Subscription date' },
  { value: 'opened', label: 'Opened' },
  { value: 'clicked', label: 'Clicked' },
];

const ENGAGEMENT_OPS = [
  { value: 'in_last_campaigns', label: 'any of the last … campaigns' },
  { value: 'within_last_days', label: 'in the last … days' },
  { value: 'never', label: 'never' },
] as const;

/** The most campaigns "any of the last … campaigns" may look back over (as the API allows). */
export const MAX_LAST_CAMPAIGNS = 50;

/** Whether a kind of condition reads engagement (it needs open and click tracking). */
export function isEngagement(field: ConditionField): field is 'opened' | 'clicked' {
  return field === 'opened' || field === 'clicked';
}

export const OPS: Record<ConditionField, readonly { value: string; label: string }[]> = {
  attribute: [
    { value: 'equals', label: 'equals' },
    { value: 'not_equals', label: 'does not equal' },
    { value: 'contains', label: 'contains' },
    { value: 'not_contains', label: 'does not contain' },
    { value: 'exists', label: 'is set' },
    { value: 'not_exists', label: 'is not set' },
    { value: 'greater_than', label: '> (number)' },
    { value: 'at_least', label: '≥ (number)' },
    { value: 'less_than', label: '< (number)' },
    { value: 'at_most', label: '≤ (number)' },
    { value: 'before', label: 'is before (date)' },
    { value: 'after', label: 'is after (date)' },
    { value: 'on', label: 'is on (date)' },
  ],
  status: [
    { value: 'is', label: 'is' },
    { value: 'is_not', label: 'is not' },
  ],
  subscribed_at: [
    { value: 'before', label: 'before' },
    { value: 'after', label: 'after' },
    { value: 'on', label: 'on' },
    { value: 'within_last_days', label: 'in the last … days' },
  ],
  opened: ENGAGEMENT_OPS,
  clicked: ENGAGEMENT_OPS,
};

const NUMERIC = new Set(['greater_than', 'at_least', 'less_than', 'at_most']);
const DATED = new Set(['before', 'after', 'on']);
const VALUELESS = new Set(['exists', 'not_exists', 'never']);
const COUNTED = new Set(['within_last_days', 'in_last_campaigns']);
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** A fresh row of a kind, with its first operator. */
export function newRow(field: ConditionField = 'attribute'): ConditionRow {
  return { field, key: '', op: OPS[field][0]!.value, value: field === 'status' ? 'subscribed' : '' };
}

/** Whether a row's operator takes a value, and which input fits it. */
export function valueKind(row: ConditionRow): 'none' | 'number' | 'date' | 'status' | 'text' {
  if (row.field === 'status') return 'status';
  if (VALUELESS.has(row.op)) return 'none';
  if (NUMERIC.has(row.op) || COUNTED.has(row.op)) return 'number';
  if (DATED.has(row.op)) return 'date';
  return 'text';
}

/** Why a row cannot be evaluated (in words), or null. */
export function rowProblem(row: ConditionRow): string | null {
  if (row.field === 'attribute' && !row.key.trim()) return 'Name the attribute.';
  const kind = valueKind(row);
  const value = row.value.trim();
  if (kind === 'none' || kind === 'status') return null;
  if (!value) return 'Give a value.';
  if (kind === 'number' && !Number.isFinite(Number(value))) return 'Give a number.';
  const whole = Number.isInteger(Number(value)) && Number(value) >= 1;
  if (row.op === 'within_last_days' && !whole) return 'Give a number of days.';
  if (row.op === 'in_last_campaigns' && !(whole && Number(value) <= MAX_LAST_CAMPAIGNS)) return `Give a number of campaigns (1–${MAX_LAST_CAMPAIGNS}).`;
  if (kind === 'date' && !DATE_RE.test(value)) return 'Give a date (YYYY-MM-DD).';
  return null;
}

/** The rows as the API's rule (rows with a problem are left out: the count follows what is valid). */
export function ruleFromRows(rows: readonly ConditionRow[], match: 'all' | 'any'): SegmentRule {
  const conditions = rows.filter((r) => rowProblem(r) === null).map((r): SegmentCondition => {
    if (r.field === 'status') return { field: 'status', op: r.op as 'is' | 'is_not', value: r.value as 'subscribed' };
    if (isEngagement(r.field)) {
      return { field: r.field, op: r.op as 'never', value: r.op === 'never' ? null : Number(r.value) };
    }
    if (r.field === 'subscribed_at') {
      const value = r.op === 'within_last_days' ? Number(r.value) : r.value.trim();
      return { field: 'subscribed_at', op: r.op as 'before', value };
    }
    const value = valueKind(r) === 'none' ? null : valueKind(r) === 'number' ? Number(r.value) : r.value.trim();
    return { field: 'attribute', key: r.key.trim(), op: r.op as 'equals', value };
  });
  return { match, conditions };
}

/** The API's rule as editor rows. */
export function rowsFromRule(rule: SegmentRule): ConditionRow[] {
  return (rule.conditions ?? []).map((c) => ({
    field: c.field,
    key: c.field === 'attribute' ? c.key : '',
    op: c.op,
    value: c.value === null || c.value === undefined ? '' : String(c.value),
  }));
}

export const SAMPLE_SIZE = 10;

export interface Count {
  matched: number;
  /** of the matches, those a campaign would mail */
  subscribed: number;
  sample: Subscriber[];
  /** every subscriber was read (false while counting, or when it stopped at `maxSteps`) */
  done: boolean;
  steps: number;
}

/**
 * Add up the API's bounded steps (one call each, cursor to cursor) until the last, `maxSteps`, or
 * `cancelled()`; `onStep` sees the running count after each call.
 */
export async function countMatches(
  step: (cursor: string | null) => Promise<SegmentPreview>,
  { maxSteps = 50, cancelled = () => false, onStep }: { maxSteps?: number; cancelled?: () => boolean; onStep?: (c: Count) => void } = {},
): Promise<Count> {
  const count: Count = { matched: 0, subscribed: 0, sample: [], done: false, steps: 0 };
  let cursor: string | null = null;
  while (count.steps < maxSteps && !cancelled()) {
    const page: SegmentPreview = await step(cursor);
    count.steps += 1;
    count.matched += page.matched;
    count.subscribed += page.subscribed;
    count.sample = [...count.sample, ...page.sample].slice(0, SAMPLE_SIZE);
    cursor = page.next_cursor;
    count.done = cursor === null;
    onStep?.({ ...count });
    if (count.done) break;
  }
  return count;
}
