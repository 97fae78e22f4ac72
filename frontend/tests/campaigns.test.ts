import { describe, expect, it } from 'vitest';
import type { CampaignStats } from '../src/api';
import {
  CAMPAIGN_STATUS_LABEL,
  CAMPAIGN_STATUS_TONE,
  canPause,
  canResume,
  chartBars,
  EMPTY_STATS,
  entryFromMessage,
  isFinished,
  isLaunched,
  isoToLocalInput,
  latestStatus,
  localInputToIso,
  mergeStats,
  mergeTimeline,
  niceMax,
  pauseDeadline,
  sendPercent,
  statsFromMessage,
  templateErrorLines,
  validateSendAt,
} from '../src/campaigns';

const stats = (patch: Partial<CampaignStats>): CampaignStats => ({ ...EMPTY_STATS, ...patch });

describe('timeline merge', () => {
  const stored = [
    { status: 'draft', at: '2026-01-01T10:00:00.000000Z' },
    { status: 'queued', at: '2026-01-01T10:05:00.123456Z' },
  ];

  it('adds live entries in time order and drops duplicates of stored ones', () => {
    const live = [
      { status: 'sent', at: '2026-01-01T10:05:09Z' },
      { status: 'queued', at: '2026-01-01T10:05:00.123Z' }, // same instant, other precision
      { status: 'sending', at: '2026-01-01T10:05:01+00:00' },
    ];
    const merged = mergeTimeline(stored, live);
    expect(merged.map((e) => e.status)).toEqual(['draft', 'queued', 'sending', 'sent']);
    expect(latestStatus(merged, 'queued')).toBe('sent');
  });

  it('keeps a status that happens twice (scheduled, cancelled, scheduled again)', () => {
    const merged = mergeTimeline([
      { status: 'draft', at: '2026-01-01T10:00:00Z' },
      { status: 'scheduled', at: '2026-01-01T10:01:00Z' },
      { status: 'draft', at: '2026-01-01T10:02:00Z' },
      { status: 'scheduled', at: '2026-01-01T10:03:00Z' },
    ]);
    expect(merged.map((e) => e.status)).toEqual(['draft', 'scheduled', 'draft', 'scheduled']);
  });

  it('falls back to the campaign status when there is no timeline; ignores junk', () => {
    expect(latestStatus([], 'draft')).toBe('draft');
    expect(mergeTimeline([{ status: 'x' } as never, null as never])).toEqual([]);
  });

  it('reads campaign.status messages for this campaign only', () => {
    const msg = { type: 'campaign.status', id: 'c1', status: 'failed', previous: 'sending', at: '2026-01-01T10:00:00Z', failure: { code: 'sender_timeout', message: 'late' } };
    expect(entryFromMessage(msg, 'c1')).toEqual({ status: 'failed', at: '2026-01-01T10:00:00Z', failure: { code: 'sender_timeout', message: 'late' } });
    expect(entryFromMessage(msg, 'c2')).toBeNull();
    expect(entryFromMessage({ type: 'campaign.progress', id: 'c1' }, 'c1')).toBeNull();
  });
});

describe('stats', () => {
  it('merges counters by taking the larger value (late polls never go back)', () => {
    const a = stats({ recipients: 10, sent: 6, bounced: 1 });
    expect(mergeStats(a, { sent: 4, delivered: 3 })).toEqual(stats({ recipients: 10, sent: 6, bounced: 1, delivered: 3 }));
    expect(mergeStats(null, { sent: 2 })).toEqual(stats({ sent: 2 }));
  });

  it('lets a resend lower the failed counts, but not a poll from before it', () => {
    const before = stats({ recipients: 3, sent: 1, failed: 2, resendable: 2 });
    const resending = mergeStats(before, { sent: 1, failed: 0, resendable: 0, resends: 1 });
    expect(resending).toEqual(stats({ recipients: 3, sent: 1, failed: 0, resendable: 0, resends: 1 }));
    expect(mergeStats(resending, { sent: 1, failed: 2, resendable: 2, resends: 0 })).toEqual(resending);
    expect(mergeStats(resending, { sent: 2, failed: 1 })).toEqual(stats({ recipients: 3, sent: 2, failed: 1, resends: 1 }));
  });

  it('follows opens and clicks pushed live, with the rates over delivered', () => {
    const pushed = statsFromMessage({ type: 'campaign.progress', id: 'c1', delivered: 4, unique_opens: 1, clicks: 3, unique_clicks: 2 }, 'c1');
    const merged = mergeStats(stats({ delivered: 4, opens: 2, unique_opens: 1 }), pushed);
    expect([merged.opens, merged.clicks, merged.unique_clicks]).toEqual([2, 3, 2]);
    expect([merged.open_rate, merged.click_rate]).toEqual([0.25, 0.5]);
    expect(mergeStats(null, { unique_opens: 3 }).open_rate).toBe(0); // nothing delivered yet
  });

  it('reads campaign.progress messages', () => {
    const msg = { type: 'campaign.progress', id: 'c1', status: 'sending', recipients: 4, sent: 2, batches_done: 1 };
    expect(statsFromMessage(msg, 'c1')).toEqual({ recipients: 4, sent: 2 });
    expect(statsFromMessage(msg, 'other')).toBeNull();
  });

  it('computes the send percentage', () => {
    expect(sendPercent('queued', stats({}))).toBe(0);
    expect(sendPercent('sending', stats({ recipients: 4, sent: 1 }))).toBe(25);
    expect(sendPercent('sending', stats({ recipients: 4, sent: 3, failed: 1 }))).toBe(99); // 100 only once sent
    expect(sendPercent('sent', stats({ recipients: 0 }))).toBe(100);
    expect(sendPercent('failed', stats({ recipients: 4, sent: 4 }))).toBe(100);
  });
});

describe('chart scaling', () => {
  it('rounds the scale up to 1, 2 or 5 × 10^n', () => {
    expect([0, 1, 2, 3, 7, 10, 11, 45, 100, 101, 2500].map(niceMax)).toEqual([1, 1, 2, 5, 10, 10, 20, 50, 100, 200, 5000]);
  });

  it('draws bars proportional to the values on that scale, small ones still visible', () => {
    const { bars, max } = chartBars(stats({ delivered: 40, bounced: 10, complained: 0, unsubscribed: 1, failed: 0 }), 300);
    expect(max).toBe(50);
    const by = Object.fromEntries(bars.map((b) => [b.key, b.length]));
    expect(by).toEqual({ delivered: 240, bounced: 60, complained: 0, unsubscribed: 6, failed: 0 });
    expect(bars.map((b) => b.key)).toEqual(['delivered', 'bounced', 'complained', 'unsubscribed', 'failed']);
    const tiny = chartBars(stats({ delivered: 1000, bounced: 1 }), 100).bars.find((b) => b.key === 'bounced')!;
    expect(tiny.length).toBe(2);
  });

  it('handles all zeros', () => {
    const { bars, max } = chartBars(EMPTY_STATS, 300);
    expect(max).toBe(1);
    expect(bars.every((b) => b.length === 0)).toBe(true);
  });
});

describe('schedule time conversion', () => {
  it('turns a datetime-local value (local wall time) into ISO UTC and back', () => {
    const iso = localInputToIso('2030-05-01T09:30');
    expect(iso).toBe(new Date(2030, 4, 1, 9, 30).toISOString());
    expect(iso!.endsWith('Z')).toBe(true);
    expect(isoToLocalInput(iso)).toBe('2030-05-01T09:30');
  });

  it('refuses invalid values', () => {
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('2030-02-30T10:00')).toBeNull();
    expect(localInputToIso('2030-01-01T25:00')).toBeNull();
    expect(localInputToIso('tomorrow')).toBeNull();
    expect(isoToLocalInput('nope')).toBe('');
    expect(isoToLocalInput(null)).toBe('');
  });

  it('wants a time at least a minute ahead', () => {
    const now = new Date(2030, 0, 1, 12, 0).getTime();
    expect(validateSendAt('', now)).toBe('Choose a date and time.');
    expect(validateSendAt('2030-01-01T12:00', now)).toMatch(/at least a minute/);
    expect(validateSendAt('2030-01-01T12:02', now)).toBeNull();
    expect(validateSendAt('x', now)).toBe('Enter a valid date and time.');
  });
});

describe('template errors', () => {
  it('says which part and line', () => {
    expect(templateErrorLines([{ field: 'html_body', line: 3, message: "unexpected '}'" }, { field: 'subject', message: 'bad' }])).toEqual([
      "HTML body, line 3: unexpected '}'",
      'Subject: bad',
    ]);
    expect(templateErrorLines(null)).toEqual([]);
  });
});

describe('paused campaigns', () => {
  it('counts paused as launched but not finished', () => {
    expect(isLaunched('paused')).toBe(true);
    expect(isFinished('paused')).toBe(false);
    // the neighbours keep their meaning
    expect(isLaunched('sending')).toBe(true);
    expect(isLaunched('scheduled')).toBe(false);
    expect(isFinished('sent')).toBe(true);
  });

  it('offers pause only while sending and resume only while paused', () => {
    const all = ['draft', 'scheduled', 'queued', 'sending', 'paused', 'sent', 'failed'];
    expect(all.filter(canPause)).toEqual(['sending']);
    expect(all.filter(canResume)).toEqual(['paused']);
  });

  it('has a label and a tone of its own', () => {
    expect(CAMPAIGN_STATUS_LABEL.paused).toBe('Paused');
    expect(CAMPAIGN_STATUS_TONE.paused).toBe('warn');
  });

  it('follows pause and resume through the timeline', () => {
    const stored = [
      { status: 'queued', at: '2026-01-01T10:00:00Z' },
      { status: 'sending', at: '2026-01-01T10:00:01Z' },
    ];
    const paused = mergeTimeline(stored, [{ status: 'paused', at: '2026-01-01T10:01:00Z' }]);
    expect(latestStatus(paused, 'sending')).toBe('paused');
    // resumed: "sending" a second time, after the pause
    const resumed = mergeTimeline(paused, [{ status: 'sending', at: '2026-01-01T10:02:00Z' }]);
    expect(resumed.map((e) => e.status)).toEqual(['queued', 'sending', 'paused', 'sending']);
    expect(latestStatus(resumed, 'paused')).toBe('sending');
  });

  it('keeps the progress short of 100% while paused', () => {
    expect(sendPercent('paused', stats({ recipients: 4, sent: 2 }))).toBe(50);
    expect(sendPercent('paused', stats({ recipients: 4, sent: 4 }))).toBe(99);
  });

  it('says when a paused campaign fails: 7 days after its latest pause', () => {
    const timeline = [
      { status: 'sending', at: '2026-01-01T10:00:00Z' },
      { status: 'paused', at: '2026-01-01T11:00:00Z' },
      { status: 'sending', at: '2026-01-01T12:00:00Z' },
      { status: 'paused', at: '2026-01-02T09:30:00Z' },
    ];
    expect(pauseDeadline(timeline, 'paused')).toBe('2026-01-09T09:30:00.000Z');
    expect(pauseDeadline(timeline, 'sending')).toBeNull();
    expect(pauseDeadline([], 'paused')).toBeNull();
    expect(pauseDeadline([{ status: 'paused', at: 'garbage' }], 'paused')).toBeNull();
  });
});
