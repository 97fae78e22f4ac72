/** The console's tools in words and requests: fault switches, snapshot names, sizes, replays. */
import type { Faults, FaultSwitch } from '../../localApi';

export type AwsFault = 'ses' | 'dynamodb';

export const FAULT_MODES: Record<AwsFault, readonly { value: string; label: string }[]> = {
  ses: [
    { value: 'off', label: 'Off' },
    { value: 'throttle', label: 'Throttle (429 TooManyRequestsException)' },
    { value: 'reject', label: 'Reject (MessageRejected)' },
  ],
  dynamodb: [
    { value: 'off', label: 'Off' },
    { value: 'throttle', label: 'Throttle (ProvisionedThroughputExceededException)' },
  ],
};

/** The PUT body of a switch from the form's text, or the reason it cannot be sent. */
export function faultBody(mode: string, rate: string, count: string): { body: Record<string, unknown> } | { error: string } {
  const share = rate.trim() === '' ? 100 : Number(rate);
  if (!Number.isFinite(share) || share <= 0 || share > 100) return { error: 'The share is a percentage above 0, at most 100.' };
  const times = count.trim() === '' ? null : Number(count);
  if (times !== null && (!Number.isInteger(times) || times < 1)) return { error: 'How many is a whole number from 1 (or empty: until switched off).' };
  return { body: { mode, rate: share / 100, count: times } };
}

/** "Throttle, 50% of calls, 3 more" / "Off". */
export function switchSummary(s: FaultSwitch): string {
  if (s.mode === 'off') return 'Off';
  const parts = [s.mode === 'reject' ? 'Reject' : 'Throttle'];
  if (s.rate < 1) parts.push(`${Math.round(s.rate * 100)}% of calls`);
  if (s.remaining !== null) parts.push(`${s.remaining} more`);
  return parts.join(', ');
}

/** "ses 3 · dynamodb 0 · SendCampaignBatchFunction 2" of what the switches injected so far. */
export function injectedSummary(f: Faults): string {
  const entries = Object.entries(f.injected);
  if (entries.length === 0) return 'Nothing injected yet.';
  return entries.map(([k, v]) => `${k.replace(/^function:/, '')} ${v}`).join(' · ');
}

/** Whether any switch is on (the console flags it). */
export function anyFaultOn(f: Faults): boolean {
  return f.ses.mode !== 'off' || f.dynamodb.mode !== 'off' || Object.keys(f.functions).length > 0;
}

const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The reason a snapshot name is refused, or null. */
export function snapshotNameError(name: string): string | null {
  if (!name.trim()) return 'Give the snapshot a name.';
  return SNAPSHOT_NAME.test(name.trim()) ? null : 'Letters, digits, ".", "_" or "-" (starting with a letter or digit), at most 64.';
}

/** 86126120 -> "86.1 MB". */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}

export interface ReplayResult {
  replayed: string;
  kind: string;
  function?: string;
  ok: boolean;
  error?: Record<string, unknown>;
}

/** What a replay did, in words. */
export function replaySummary(r: ReplayResult): string {
  const target = r.function ? ` to ${r.function}` : '';
  if (r.ok) return `Delivered again${target}.`;
  const why = r.error ? String(r.error.errorMessage ?? r.error.Message ?? r.error.Code ?? r.error.message ?? '') : '';
  return `Delivered again${target}; it failed${why ? `: ${why}` : '.'}`;
}
