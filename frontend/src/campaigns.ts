/**
 * Campaign logic with no DOM (docs/CONTRACT.md "Campaigns"):
 *
 * - `mergeTimeline`: the campaign's stored timeline plus `campaign.status` messages, deduplicated, in time order;
 * - `mergeStats`: counters only grow, so the larger of two values wins (a late poll never moves them back);
 *   the open and click rates follow the merged counters;
 * - `chartBars`: the results chart's bar lengths on a "nice" scale;
 * - `localInputToIso` / `isoToLocalInput`: the datetime-local input (local wall time) ↔ ISO UTC;
 * - `sendPercent`: the send progress bar.
 */
import type { CampaignStats, CampaignStatus, TimelineEntry } from './api';
import type { LiveMessage } from './live';

export const CAMPAIGN_STATUS_LABEL: Record<string, string> = {
  draft: 'Draft',
  scheduled: 'Scheduled',
  queued: 'Queued',
  sending: 'Sending',
  paused: 'Paused',
  sent: 'Sent',
  failed: 'Failed',
};

export const CAMPAIGN_STATUS_TONE: Record<string, string> = {
  draft: 'muted',
  scheduled: 'info',
  queued: 'info',
  sending: 'info',
  paused: 'warn',
  sent: 'ok',
  failed: 'danger',
};

export const RECIPIENT_STATUS_TONE: Record<string, string> = {
  pending: 'muted',
  claimed: 'info',
  sent: 'info',
  delivered: 'ok',
  bounced: 'danger',
  complained: 'warn',
  unsubscribed: 'muted',
  failed: 'danger',
};

/** Statuses after which the campaign's sending is over (a paused campaign is not: it can resume, or fail). */
export function isFinished(status: string): boolean {
  return status === 'sent' || status === 'failed';
}

/** Sending has started (the campaign page shows progress rather than the editor); paused counts. */
export function isLaunched(status: string): boolean {
  return status === 'queued' || status === 'sending' || status === 'paused' || isFinished(status);
}

/** Only a campaign that is sending can be paused (the API answers 409 campaign_not_sending otherwise). */
export function canPause(status: string): boolean {
  return status === 'sending';
}

/** Only a paused campaign can be resumed (the API answers 409 campaign_not_paused otherwise). */
export function canResume(status: string): boolean {
  return status === 'paused';
}

function time(at: string): number {
  const t = Date.parse(at);
  return Number.isNaN(t) ? 0 : t;
}

/**
 * The union of timelines (stored entries and live messages), one entry per
 * (status, instant), oldest first. Entries at the same instant keep the
 * order they were first seen in.
 */
export function mergeTimeline(...parts: readonly (readonly TimelineEntry[])[]): TimelineEntry[] {
  const seen = new Map<string, { entry: TimelineEntry; order: number }>();
  let order = 0;
  for (const part of parts) {
    for (const e of part) {
      if (!e || typeof e.status !== 'string' || typeof e.at !== 'string') continue;
      const key = `${e.status}|${time(e.at)}`;
      if (!seen.has(key)) seen.set(key, { entry: { status: e.status, at: e.at }, order: order++ });
    }
  }
  return [...seen.values()].sort((a, b) => time(a.entry.at) - time(b.entry.at) || a.order - b.order).map((v) => v.entry);
}

/** The status the merged timeline ends on, or `fallback` when it is empty. */
export function latestStatus(timeline: readonly TimelineEntry[], fallback: CampaignStatus): CampaignStatus {
  const last = timeline[timeline.length - 1];
  return last ? (last.status as CampaignStatus) : fallback;
}

/** How long a campaign may stay paused before its delivery fails (the API's PAUSE_LIMIT). */
export const PAUSE_LIMIT_MS = 7 * 24 * 3600 * 1000;

/**
 * When a paused campaign fails unless it is resumed: the latest "paused"
 * entry of the timeline plus the pause limit, as ISO; null when the
 * campaign is not paused or the timeline has no usable "paused" entry.
 */
export function pauseDeadline(timeline: readonly TimelineEntry[], status: string): string | null {
  if (status !== 'paused') return null;
  for (let i = timeline.length - 1; i >= 0; i--) {
    const e = timeline[i]!;
    if (e.status !== 'paused') continue;
    const t = Date.parse(e.at);
    return Number.isNaN(t) ? null : new Date(t + PAUSE_LIMIT_MS).toISOString();
  }
  return null;
}

export const STAT_KEYS = [
  'recipients',
  'suppressed',
  'sent',
  'delivered',
  'bounced',
  'complained',
  'unsubscribed',
  'failed',
  'resendable',
  'resends',
  'opens',
  'unique_opens',
  'machine_opens',
  'clicks',
  'unique_clicks',
] as const;

/** The counts a resend to the failed takes back (its recipients leave `failed` when they are taken again). */
const RESENT_KEYS: ReadonlySet<string> = new Set(['failed', 'resendable']);

export const EMPTY_STATS: CampaignStats = {
  recipients: 0,
  suppressed: 0,
  sent: 0,
  delivered: 0,
  bounced: 0,
  complained: 0,
  unsubscribed: 0,
  failed: 0,
  resendable: 0,
  resends: 0,
  opens: 0,
  unique_opens: 0,
  machine_opens: 0,
  clicks: 0,
  unique_clicks: 0,
  open_rate: 0,
  click_rate: 0,
};

/** `part` over `whole` as the API rounds it (0 when nothing is delivered yet). */
export function rate(part: number, whole: number): number {
  return whole > 0 ? Math.round(Math.min(part / whole, 1) * 10000) / 10000 : 0;
}

/**
 * Counters never go down: each one is the larger of the two. Except `failed` and
 * `resendable`, which a resend to the failed lowers: there the newer value wins,
 * unless it comes from before the latest resend (fewer `resends`). The rates follow the counters.
 */
export function mergeStats(a: CampaignStats | null | undefined, b: Partial<CampaignStats> | null | undefined): CampaignStats {
  const out: Record<(typeof STAT_KEYS)[number], number> = { ...EMPTY_STATS, ...(a ?? {}) };
  const sameRound = (b?.resends ?? out.resends) >= out.resends;
  for (const k of STAT_KEYS) {
    const v = b?.[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (RESENT_KEYS.has(k) ? sameRound : v > out[k]) out[k] = v;
  }
  return { ...out, open_rate: rate(out.unique_opens, out.delivered), click_rate: rate(out.unique_clicks, out.delivered) };
}

/** The counters of a `campaign.progress` message for campaign `id`, or null. */
export function statsFromMessage(msg: LiveMessage, id: string): Partial<CampaignStats> | null {
  if (msg.type !== 'campaign.progress' || msg.id !== id) return null;
  const out: Partial<CampaignStats> = {};
  for (const k of STAT_KEYS) if (typeof msg[k] === 'number') out[k] = msg[k] as number;
  return out;
}

/** The timeline entry of a `campaign.status` message for campaign `id`, or null. */
export function entryFromMessage(msg: LiveMessage, id: string): (TimelineEntry & { failure: { code: string; message: string } | null }) | null {
  if (msg.type !== 'campaign.status' || msg.id !== id) return null;
  if (typeof msg.status !== 'string' || typeof msg.at !== 'string') return null;
  const f = msg.failure as { code?: unknown; message?: unknown } | null | undefined;
  const failure = f && typeof f.code === 'string' ? { code: f.code, message: typeof f.message === 'string' ? f.message : '' } : null;
  return { status: msg.status, at: msg.at, failure };
}

/**
 * Percent of the audience handled (mailed or failed). 100 once the campaign
 * is sent; 0 before the audience is known.
 */
export function sendPercent(status: string, stats: CampaignStats): number {
  if (status === 'sent') return 100;
  if (stats.recipients <= 0) return 0;
  const done = stats.sent + stats.failed;
  return Math.max(0, Math.min(status === 'failed' ? 100 : 99, Math.floor((done * 100) / stats.recipients)));
}

// ---------------------------------------------------------------- chart

export const CHART_KEYS = ['delivered', 'bounced', 'complained', 'unsubscribed', 'failed'] as const;
export type ChartKey = (typeof CHART_KEYS)[number];

/** The smallest of 1, 2, 5 × 10^n that is ≥ `max` (at least 1). */
export function niceMax(max: number): number {
  if (!(max > 1)) return 1;
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * pow >= max) return m * pow;
  return 10 * pow;
}

export interface Bar {
  key: ChartKey;
  value: number;
  /** bar length in [0, width]; a non-zero value is at least 2 so it stays visible */
  length: number;
}

/** One bar per result on a shared scale from 0 to `niceMax` of the largest value. */
export function chartBars(stats: CampaignStats, width: number): { bars: Bar[]; max: number } {
  const values = CHART_KEYS.map((k) => Math.max(0, stats[k] ?? 0));
  const max = niceMax(Math.max(0, ...values));
  const bars = CHART_KEYS.map((key, i) => {
    const value = values[i]!;
    const raw = (value / max) * width;
    return { key, value, length: value > 0 ? Math.max(2, Math.round(raw * 10) / 10) : 0 };
  });
  return { bars, max };
}

// ---------------------------------------------------------------- schedule

/**
 * A datetime-local value ("2026-05-01T09:30", the reader's wall time) as ISO
 * UTC ("2026-05-01T07:30:00.000Z"), or null when it is not a valid time.
 */
export function localInputToIso(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x))) as number[];
  const date = new Date(y!, mo! - 1, d!, h!, mi!, s!);
  // reject values the Date constructor rolled over (Feb 30th, 25:00)
  if (date.getFullYear() !== y || date.getMonth() !== mo! - 1 || date.getDate() !== d || date.getHours() !== h || date.getMinutes() !== mi) {
    return null;
  }
  return date.toISOString();
}

/** An ISO instant as a datetime-local value in the reader's wall time ("" when invalid). */
export function isoToLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Why a schedule time is not accepted, or null (the API wants ≥ 1 minute ahead). */
export function validateSendAt(value: string, now: number = Date.now()): string | null {
  if (!value.trim()) return 'Choose a date and time.';
  const iso = localInputToIso(value);
  if (!iso) return 'Enter a valid date and time.';
  if (Date.parse(iso) < now + 60_000) return 'Choose a time at least a minute from now.';
  return null;
}

/** Template errors of a 422 `template_error` as sentences: "HTML body, line 3: unexpected '}'". */
export function templateErrorLines(details: unknown[] | null | undefined): string[] {
  const names: Record<string, string> = { html_body: 'HTML body', text_body: 'Text body', subject: 'Subject' };
  const out: string[] = [];
  for (const d of details ?? []) {
    if (typeof d !== 'object' || d === null) continue;
    const r = d as { field?: unknown; line?: unknown; message?: unknown; msg?: unknown; loc?: unknown };
    const field = typeof r.field === 'string' ? r.field : Array.isArray(r.loc) ? String(r.loc[r.loc.length - 1]) : '';
    const label = names[field] ?? (field || 'Template');
    const line = typeof r.line === 'number' ? `, line ${r.line}` : '';
    const msg = typeof r.message === 'string' ? r.message : typeof r.msg === 'string' ? r.msg : 'is not valid';
    out.push(`${label}${line}: ${msg}`);
  }
  return out;
}
