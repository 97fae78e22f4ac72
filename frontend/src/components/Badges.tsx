import type { ComponentChildren } from 'preact';
import type { SubscriberStatus } from '../api';
import { CAMPAIGN_STATUS_LABEL, CAMPAIGN_STATUS_TONE, RECIPIENT_STATUS_TONE } from '../campaigns';

export interface BadgeProps {
  /** the colour: ok, info, warn, danger or muted */
  tone: string;
  children: ComponentChildren;
  testid?: string | undefined;
  /** the machine value behind the words (`data-status`), for tests and styles */
  status?: string | undefined;
  title?: string | undefined;
}

/** A coloured pill; colour is never the only cue: the word is in it. */
export function Badge({ tone, children, testid, status, title }: BadgeProps) {
  return (
    <span class={`badge badge--${tone}`} data-testid={testid} data-status={status} title={title}>
      {children}
    </span>
  );
}

const STATUS: Record<SubscriberStatus, { label: string; tone: string }> = {
  subscribed: { label: 'Subscribed', tone: 'ok' },
  unconfirmed: { label: 'Unconfirmed', tone: 'info' },
  unsubscribed: { label: 'Unsubscribed', tone: 'muted' },
  bounced: { label: 'Bounced', tone: 'danger' },
  complained: { label: 'Complained', tone: 'warn' },
};

export function statusLabel(status: string): string {
  return STATUS[status as SubscriberStatus]?.label ?? status;
}

/** A subscriber's status. */
export function StatusBadge({ status, testid }: { status: string; testid?: string }) {
  return (
    <Badge tone={STATUS[status as SubscriberStatus]?.tone ?? 'muted'} testid={testid} status={status}>
      {statusLabel(status)}
    </Badge>
  );
}

/** A campaign's status (draft, scheduled, sending, paused, sent, failed, …). */
export function CampaignStatusBadge({ status, testid }: { status: string; testid?: string }) {
  return (
    <Badge tone={CAMPAIGN_STATUS_TONE[status] ?? 'muted'} testid={testid} status={status}>
      {CAMPAIGN_STATUS_LABEL[status] ?? status}
    </Badge>
  );
}

const DELIVERY_STATUS_TONE: Record<string, string> = { ...RECIPIENT_STATUS_TONE, queued: 'muted', opened: 'ok', clicked: 'ok' };

/** What became of one message: a campaign recipient's status, or a transactional message's. */
export function DeliveryStatusBadge({ status, testid }: { status: string; testid?: string }) {
  return (
    <Badge tone={DELIVERY_STATUS_TONE[status] ?? 'muted'} testid={testid} status={status}>
      {status.charAt(0).toUpperCase() + status.slice(1)}
    </Badge>
  );
}
