// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { ConditionRows } from '../src/screens/segment/ConditionRows';
import { newRow, type ConditionRow } from '../src/segments';

/** The rows rendered into a fresh element, taken down when the test ends; lookups by test id in it. */
async function show(rows: ConditionRow[], onRows: (rows: ConditionRow[]) => void = () => {}) {
  const root = document.body.appendChild(document.createElement('div'));
  onTestFinished(() => {
    render(null, root);
    root.remove();
  });
  await act(() => render(<ConditionRows rows={rows} onRows={onRows} />, root));
  const byTestId = <T extends HTMLElement>(id: string) => root.querySelector<T>(`[data-testid="${id}"]`);
  const optionsOf = (id: string) => [...byTestId<HTMLSelectElement>(id)!.options].map((o) => o.value);
  return { byTestId, optionsOf };
}

describe('the condition picker', () => {
  it('offers opened and clicked, and picking one starts an engagement row', async () => {
    const onRows = vi.fn();
    const { byTestId, optionsOf } = await show([newRow()], onRows);
    expect(optionsOf('segment-condition-field-0')).toEqual(['attribute', 'status', 'subscribed_at', 'opened', 'clicked']);
    expect(byTestId('segment-engagement-hint')).toBeNull();

    const field = byTestId<HTMLSelectElement>('segment-condition-field-0')!;
    await act(() => {
      field.value = 'clicked';
      field.dispatchEvent(new Event('change', { bubbles: true }));
    });

    expect(onRows).toHaveBeenCalledWith([{ field: 'clicked', key: '', op: 'in_last_campaigns', value: '' }]);
  });

  it('asks for a number of campaigns, hides the value for never, and says what tracking and Apple Mail do', async () => {
    const { byTestId, optionsOf } = await show([
      { field: 'opened', key: '', op: 'in_last_campaigns', value: '80' },
      { field: 'clicked', key: '', op: 'never', value: '' },
    ]);

    expect(optionsOf('segment-condition-op-0')).toEqual(['in_last_campaigns', 'within_last_days', 'never']);
    expect(byTestId<HTMLInputElement>('segment-condition-value-0')!.placeholder).toBe('campaigns');
    expect(byTestId('segment-condition-problem-0')!.textContent).toContain('Give a number of campaigns (1–50).');
    expect(byTestId('segment-condition-value-1')).toBeNull();
    expect(byTestId('segment-condition-problem-1')).toBeNull();
    const hint = byTestId('segment-engagement-hint')!.textContent ?? '';
    expect(hint).toContain('tracking');
    expect(hint).toContain('Apple Mail Privacy Protection');
  });
});
