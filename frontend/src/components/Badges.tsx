import type { SubscriberStatus } from '../api';

const STATUS: Record<SubscriberStatus, { label: string; tone: string }> = {
  subscribed: { label: 'Subscribed', tone: 'ok' },
  unsubscribed: { label: 'Unsubscribed', tone: 'muted' },
  bounced: { label: 'Bounced', tone: 'danger' },
  complained: { label: 'Complained', tone: 'warn' },
};

export function statusLabel(status: string): string {
  return STATUS[status as SubscriberStatus]?.label ?? status;
}

/** A subscriber's status as a coloured pill (colour is never the only cue: the word is there). */
export function StatusBadge({ status, testid }: { status: string; testid?: string }) {
  const s = STATUS[status as SubscriberStatus] ?? { label: status, tone: 'muted' };
  return (
    <span class={`badge badge--${s.tone}`} data-testid={testid} data-status={status}>
      {s.label}
    </span>
  );
}
