/** What a DLQ redrive answered, in words. */

export interface RedriveResult {
  moved?: number;
  requeued?: number;
  reinvoked?: number;
  to_queue?: string | null;
  functions?: string[];
  how?: string;
}

export function redriveSummary(r: RedriveResult): string {
  const parts: string[] = [];
  if (r.requeued) parts.push(`${r.requeued} back to ${r.to_queue ?? 'their queue'}`);
  if (r.reinvoked) parts.push(`${r.reinvoked} re-invoked${r.functions?.length ? ` (${r.functions.join(', ')})` : ''}`);
  if (parts.length === 0) return r.moved ? `Moved ${r.moved} message(s).` : 'Nothing to move.';
  return `Redriven: ${parts.join('; ')}.`;
}
