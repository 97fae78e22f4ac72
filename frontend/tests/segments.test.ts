import { describe, expect, it } from 'vitest';
import type { SegmentPreview, Subscriber } from '../src/api';
import { countMatches, newRow, rowProblem, rowsFromRule, ruleFromRows, valueKind, type ConditionRow } from '../src/segments';

const row = (patch: Partial<ConditionRow>): ConditionRow => ({ ...newRow(), ...patch });

describe('condition rows', () => {
  it('become the API rule, numbers as numbers and unset values left out', () => {
    const rule = ruleFromRows(
      [
        row({ key: 'city', op: 'equals', value: ' Oslo ' }),
        row({ key: 'age', op: 'at_least', value: '30' }),
        row({ key: 'plan', op: 'exists', value: 'ignored' }),
        row({ field: 'status', op: 'is_not', value: 'unsubscribed' }),
        row({ field: 'subscribed_at', op: 'within_last_days', value: '7' }),
      ],
      'any',
    );
    expect(rule).toEqual({
      match: 'any',
      conditions: [
        { field: 'attribute', key: 'city', op: 'equals', value: 'Oslo' },
        { field: 'attribute', key: 'age', op: 'at_least', value: 30 },
        { field: 'attribute', key: 'plan', op: 'exists', value: null },
        { field: 'status', op: 'is_not', value: 'unsubscribed' },
        { field: 'subscribed_at', op: 'within_last_days', value: 7 },
      ],
    });
  });

  it('say what is missing, and an unfinished row is not sent', () => {
    expect(rowProblem(row({ key: '', op: 'equals', value: 'x' }))).toBe('Name the attribute.');
    expect(rowProblem(row({ key: 'age', op: 'at_least', value: 'old' }))).toBe('Give a number.');
    expect(rowProblem(row({ key: 'd', op: 'before', value: '03/01/2024' }))).toBe('Give a date (YYYY-MM-DD).');
    expect(rowProblem(row({ field: 'subscribed_at', op: 'within_last_days', value: '0' }))).toBe('Give a number of days.');
    expect(rowProblem(row({ key: 'd', op: 'on', value: '2024-03-01' }))).toBeNull();
    expect(ruleFromRows([row({ key: '', op: 'equals', value: 'x' })], 'all').conditions).toEqual([]);
  });

  it('pick the input their operator needs', () => {
    expect(valueKind(row({ op: 'exists' }))).toBe('none');
    expect(valueKind(row({ op: 'less_than' }))).toBe('number');
    expect(valueKind(row({ op: 'after' }))).toBe('date');
    expect(valueKind(row({ field: 'status', op: 'is' }))).toBe('status');
  });

  it('send engagement as the API takes it: a number of campaigns or days, nothing for never', () => {
    const rule = ruleFromRows(
      [
        row({ field: 'opened', op: 'in_last_campaigns', value: '5' }),
        row({ field: 'clicked', op: 'within_last_days', value: '30' }),
        row({ field: 'opened', op: 'never', value: 'ignored' }),
        row({ field: 'clicked', op: 'in_last_campaigns', value: '51' }),
      ],
      'all',
    );
    expect(rule.conditions).toEqual([
      { field: 'opened', op: 'in_last_campaigns', value: 5 },
      { field: 'clicked', op: 'within_last_days', value: 30 },
      { field: 'opened', op: 'never', value: null },
    ]);
    expect(valueKind(row({ field: 'opened', op: 'never' }))).toBe('none');
    expect(rowProblem(row({ field: 'clicked', op: 'in_last_campaigns', value: '2.5' }))).toBe('Give a number of campaigns (1–50).');
    expect(rowsFromRule(rule)[2]).toEqual({ field: 'opened', key: '', op: 'never', value: '' });
  });

  it('come back from a saved rule', () => {
    const rule = ruleFromRows([row({ key: 'age', op: 'less_than', value: '5' }), row({ field: 'status', op: 'is', value: 'subscribed' })], 'all');
    expect(rowsFromRule(rule)).toEqual([
      { field: 'attribute', key: 'age', op: 'less_than', value: '5' },
      { field: 'status', key: '', op: 'is', value: 'subscribed' },
    ]);
  });
});

describe('the live count', () => {
  const member = (email: string) => ({ email }) as Subscriber;
  const steps: SegmentPreview[] = [
    { matched: 4, subscribed: 3, sample: ['a', 'b', 'c', 'd'].map(member), next_cursor: 'c1' },
    { matched: 0, subscribed: 0, sample: [], next_cursor: 'c2' },
    { matched: 9, subscribed: 9, sample: 'efghijklm'.split('').map(member), next_cursor: null },
  ];

  it('adds up every step, cursor to cursor, with a sample of ten', async () => {
    const asked: (string | null)[] = [];
    const seen: number[] = [];
    const count = await countMatches(
      async (cursor) => {
        asked.push(cursor);
        return steps[asked.length - 1]!;
      },
      { onStep: (c) => seen.push(c.matched) },
    );
    expect(asked).toEqual([null, 'c1', 'c2']);
    expect(seen).toEqual([4, 4, 13]);
    expect(count).toMatchObject({ matched: 13, subscribed: 12, done: true, steps: 3 });
    expect(count.sample.map((s) => s.email)).toEqual('abcdefghij'.split(''));
  });

  it('stops at its step limit, or when cancelled, saying it is not done', async () => {
    const endless = async () => ({ matched: 1, subscribed: 1, sample: [], next_cursor: 'more' });
    expect(await countMatches(endless, { maxSteps: 5 })).toMatchObject({ matched: 5, done: false, steps: 5 });
    let calls = 0;
    const count = await countMatches(
      async () => {
        calls += 1;
        return endless();
      },
      { cancelled: () => calls >= 2 },
    );
    expect(count).toMatchObject({ matched: 2, done: false });
  });
});
