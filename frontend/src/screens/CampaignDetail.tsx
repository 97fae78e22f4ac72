import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  api,
  ApiError,
  type Campaign,
  type CampaignPreview,
  type CampaignStats,
  type Recipient,
  type TimelineEntry,
} from '../api';
import {
  CAMPAIGN_STATUS_LABEL,
  canPause,
  canResume,
  CHART_KEYS,
  chartBars,
  entryFromMessage,
  isFinished,
  isLaunched,
  isoToLocalInput,
  latestStatus,
  localInputToIso,
  mergeStats,
  mergeTimeline,
  pauseDeadline,
  RECIPIENT_STATUS_TONE,
  sendPercent,
  statsFromMessage,
  templateErrorLines,
  validateSendAt,
} from '../campaigns';
import { ConfirmDialog } from '../components/Dialog';
import { Field } from '../components/Field';
import { errorMessage, FormError, Notice } from '../components/FormError';
import { Page } from '../components/Page';
import { Pager } from '../components/Pager';
import { formatCount, formatDateTime, plural } from '../format';
import { usePageVisible } from '../hooks/useLocalData';
import { usePaged } from '../hooks/usePaged';
import type { LiveMessage } from '../live';
import { acquireLive, live } from '../liveApp';
import { Link } from '../router';
import { CampaignStatusBadge, useAllLists } from './Campaigns';

export const RECIPIENTS_PAGE_SIZE = 25;
const POLL_MS = 2000;
const AUTOSAVE_MS = 800;

const ACTION_MESSAGES: Record<string, string> = {
  campaign_already_sent: 'This campaign was already sent.',
  campaign_scheduled: 'This campaign is scheduled: cancel the schedule first.',
  campaign_not_editable: 'This campaign can no longer be changed.',
  campaign_not_scheduled: 'Too late to cancel: sending has started.',
  invalid_send_at: 'Choose a time at least a minute from now.',
  upstream_unavailable: 'Sending is not available right now. Try again in a moment.',
  campaign_not_found: 'This campaign no longer exists.',
  campaign_not_sending: 'Only a campaign that is sending can be paused: it may have just been paused or finished.',
  campaign_not_paused: 'This campaign is not paused any more: it may have just been resumed or finished.',
};

export function CampaignDetailScreen({ params }: { params: Record<string, string> }) {
  const id = params.id ?? '';
  const [campaign, setCampaign] = useState<Campaign | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [liveEntries, setLiveEntries] = useState<TimelineEntry[]>([]);
  const [liveFailure, setLiveFailure] = useState<{ code: string; message: string } | null>(null);
  const [stats, setStats] = useState<CampaignStats | null>(null);
  const lastPush = useRef(0);
  const visible = usePageVisible();
  const { lists } = useAllLists();

  const accept = useCallback((c: Campaign) => {
    setCampaign(c);
    setStats((s) => mergeStats(s, c.stats));
    setLoadError(null);
  }, []);

  const load = useCallback(async () => {
    try {
      accept(await api.getCampaign(id));
    } catch (err) {
      setLoadError(err);
    }
  }, [id, accept]);

  useEffect(() => {
    void load();
  }, [load]);

  // live messages: status changes and counters
  useEffect(() => {
    const release = acquireLive();
    const onStatus = (msg: LiveMessage) => {
      const entry = entryFromMessage(msg, id);
      if (!entry) return;
      lastPush.current = Date.now();
      setLiveEntries((l) => [...l, { status: entry.status, at: entry.at }]);
      if (entry.failure) setLiveFailure(entry.failure);
      if (isFinished(entry.status)) void load();
    };
    const onProgress = (msg: LiveMessage) => {
      const s = statsFromMessage(msg, id);
      if (!s) return;
      lastPush.current = Date.now();
      setStats((prev) => mergeStats(prev, s));
    };
    const a = live.subscribe('campaign.status', onStatus);
    const b = live.subscribe('campaign.progress', onProgress);
    return () => {
      a();
      b();
      release();
    };
  }, [id, load]);

  const timeline = campaign ? mergeTimeline(campaign.timeline, liveEntries) : [];
  const status = campaign ? latestStatus(timeline, campaign.status) : null;

  // polling fallback: every 2 s while it is scheduled or sending (unless a push just came);
  // every 5 s while it is paused (little moves then) and once it is finished, for the
  // delivery feedback counters
  useEffect(() => {
    if (!status || status === 'draft' || !visible) return;
    const finished = isFinished(status);
    const period = finished || status === 'paused' ? 5000 : POLL_MS;
    const timer = setInterval(() => {
      if (!finished && Date.now() - lastPush.current < POLL_MS && live.state === 'open') return;
      if (!finished) void load();
      api
        .campaignStats(id)
        .then((s) => setStats((prev) => mergeStats(prev, s)))
        .catch(() => undefined);
    }, period);
    return () => clearInterval(timer);
  }, [id, status, visible, load]);

  if (loadError instanceof ApiError && loadError.status === 404) {
    return (
      <Page title="Campaign not found">
        <div class="card" data-testid="campaign-not-found">
          <p>This campaign does not exist, or it was deleted.</p>
          <p>
            <Link href="/campaigns">Back to your campaigns</Link>
          </p>
        </div>
      </Page>
    );
  }

  const list = campaign ? lists?.find((l) => l.id === campaign.list_id) : undefined;
  const failure = liveFailure ?? campaign?.failure ?? null;

  return (
    <Page title={campaign ? campaign.name : 'Campaign'}>
      <p class="crumbs">
        <Link href="/campaigns" data-testid="campaign-back">
          <span aria-hidden="true">←</span> All campaigns
        </Link>
      </p>
      <FormError error={loadError} testid="campaign-load-error" />
      {!campaign && !loadError && (
        <p class="loading" role="status">
          Loading the campaign…
        </p>
      )}
      {campaign && status && (
        <div class="stack">
          <div class="card list-head">
            <dl class="facts">
              <dt>Status</dt>
              <dd>
                <span role="status" aria-live="polite">
                  <CampaignStatusBadge status={status} testid="campaign-status" />
                </span>
                {status === 'scheduled' && campaign.scheduled_at && (
                  <span class="muted small" data-testid="campaign-scheduled-at">
                    {' '}
                    for {formatDateTime(campaign.scheduled_at)}
                  </span>
                )}
              </dd>
              <dt>List</dt>
              <dd>{list ? <Link href={`/lists/${encodeURIComponent(list.id)}`}>{list.name}</Link> : '—'}</dd>
              <dt>Subject</dt>
              <dd class="cell--wrap">{campaign.subject}</dd>
              <dt>From</dt>
              <dd>
                {campaign.from_name || <span class="muted">(default)</span>}
                {campaign.reply_to && <span class="muted small"> · reply to {campaign.reply_to}</span>}
              </dd>
            </dl>
          </div>
          {failure && status === 'failed' && (
            <div class="alert alert--error" role="alert" data-testid="campaign-failure">
              <p>The campaign failed: {failure.message || failure.code}</p>
              <p class="alert__ref">Code: {failure.code}</p>
            </div>
          )}
          {status === 'draft' && <Editor campaign={campaign} onChange={accept} />}
          {status === 'scheduled' && <ScheduledPanel campaign={campaign} onChange={accept} />}
          {(canPause(status) || canResume(status)) && (
            <PausePanel campaign={campaign} status={status} timeline={timeline} onChange={accept} onConflict={load} />
          )}
          {(isLaunched(status) || status === 'scheduled') && (
            <SendingView campaignId={id} status={status} timeline={timeline} stats={stats ?? campaign.stats} />
          )}
        </div>
      )}
    </Page>
  );
}

// ---------------------------------------------------------------- editor

type SaveState = 'saved' | 'dirty' | 'saving' | 'error';

function Editor({ campaign, onChange }: { campaign: Campaign; onChange: (c: Campaign) => void }) {
  const [subject, setSubject] = useState(campaign.subject);
  const [fromName, setFromName] = useState(campaign.from_name ?? '');
  const [replyTo, setReplyTo] = useState(campaign.reply_to ?? '');
  const [html, setHtml] = useState(campaign.html_body ?? '');
  const [text, setText] = useState(campaign.text_body ?? '');
  const [saveState, setSaveState] = useState<SaveState>('saved');
  const [templateErrors, setTemplateErrors] = useState<string[]>([]);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [preview, setPreview] = useState<CampaignPreview | null>(null);
  const [previewError, setPreviewError] = useState<unknown>(null);
  const [previewTick, setPreviewTick] = useState(0);
  const version = useRef(0);
  const values = { subject, from_name: fromName, reply_to: replyTo.trim() || null, html_body: html, text_body: text };
  const valuesRef = useRef(values);
  valuesRef.current = values;

  const edit = (set: (v: string) => void) => (v: string) => {
    set(v);
    version.current++;
    setSaveState('dirty');
  };

  /** PATCH the current values; true when they are saved (and the preview is refreshed). */
  const save = useCallback(async (): Promise<boolean> => {
    const at = version.current;
    setSaveState('saving');
    setSaveError(null);
    try {
      const c = await api.updateCampaign(campaign.id, valuesRef.current);
      setTemplateErrors([]);
      onChange(c);
      setSaveState(version.current === at ? 'saved' : 'dirty');
      setPreviewTick((t) => t + 1);
      return version.current === at;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'template_error') {
        const lines = templateErrorLines(err.details);
        setTemplateErrors(lines.length ? lines : [err.message]);
      } else {
        setSaveError(err);
      }
      setSaveState('error');
      return false;
    }
  }, [campaign.id, onChange]);

  // autosave after a pause in typing, so the preview follows the text
  useEffect(() => {
    if (saveState !== 'dirty') return;
    const t = setTimeout(() => void save(), AUTOSAVE_MS);
    return () => clearTimeout(t);
  }, [subject, fromName, replyTo, html, text, saveState, save]);

  useEffect(() => {
    let cancelled = false;
    api
      .previewCampaign(campaign.id)
      .then((p) => {
        if (cancelled) return;
        setPreview(p);
        setPreviewError(null);
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        if (err instanceof ApiError && err.code === 'template_error') {
          setTemplateErrors(templateErrorLines(err.details));
        } else setPreviewError(err);
      });
    return () => {
      cancelled = true;
    };
  }, [campaign.id, previewTick]);

  return (
    <>
      <div class="grid-2 campaign-editor">
        <form
          class="card form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
          noValidate
          aria-labelledby="campaign-content-heading"
        >
          <h2 id="campaign-content-heading">Content</h2>
          <Field id="campaign-subject" label="Subject" type="text" required value={subject} onValue={edit(setSubject)} autoComplete="off" />
          <div class="form__row">
            <Field id="campaign-from" label="From name" type="text" value={fromName} onValue={edit(setFromName)} autoComplete="off" />
            <Field id="campaign-reply-to" label="Reply-to" type="email" value={replyTo} onValue={edit(setReplyTo)} autoComplete="off" />
          </div>
          <div class="field">
            <label for="campaign-html">HTML body</label>
            <textarea
              id="campaign-html"
              class="input textarea textarea--code"
              rows={12}
              spellcheck={false}
              value={html}
              onInput={(e) => edit(setHtml)(e.currentTarget.value)}
              aria-describedby="campaign-merge-hint"
              data-testid="campaign-html"
            />
          </div>
          <div class="field">
            <label for="campaign-text">Text body</label>
            <textarea
              id="campaign-text"
              class="input textarea textarea--code"
              rows={6}
              spellcheck={false}
              value={text}
              onInput={(e) => edit(setText)(e.currentTarget.value)}
              aria-describedby="campaign-merge-hint"
              data-testid="campaign-text"
            />
          </div>
          <div class="field__hint" id="campaign-merge-hint" data-testid="campaign-merge-hint">
            Merge tags: <code>{'{{ subscriber.name }}'}</code>, <code>{'{{ subscriber.email }}'}</code>,{' '}
            <code>{'{{ subscriber.attributes.x }}'}</code> (an attribute named <code>x</code>), <code>{'{{ campaign.name }}'}</code>{' '}
            and <code>{'{{ unsubscribe_url }}'}</code> (every email should link to it). Unknown names render empty.
          </div>
          {templateErrors.length > 0 && (
            <div class="alert alert--error" role="alert" data-testid="campaign-template-error">
              <p>The template has an error:</p>
              <ul>
                {templateErrors.map((l) => (
                  <li key={l}>{l}</li>
                ))}
              </ul>
            </div>
          )}
          <FormError error={saveError} testid="campaign-save-error" messages={ACTION_MESSAGES} />
          <div class="form__actions">
            <button type="submit" class="btn btn--primary" disabled={saveState === 'saving'} data-testid="campaign-save">
              {saveState === 'saving' ? 'Saving…' : 'Save'}
            </button>
            <span class="muted small" role="status" data-testid="campaign-save-state" data-state={saveState}>
              {saveState === 'saved' ? 'All changes saved.' : saveState === 'dirty' ? 'Unsaved changes…' : saveState === 'saving' ? 'Saving…' : 'Not saved.'}
            </span>
          </div>
        </form>
        <section class="card form" aria-labelledby="campaign-preview-heading">
          <h2 id="campaign-preview-heading">Preview</h2>
          <p class="muted small">For a sample subscriber; it follows your changes once they are saved.</p>
          <FormError error={previewError} testid="campaign-preview-error" />
          <p class="small" data-testid="campaign-preview-subject">
            <strong>Subject:</strong> {preview?.subject ?? '…'}
          </p>
          {preview ? (
            <iframe
              class="preview-frame"
              title="Preview of the HTML email"
              sandbox="allow-popups allow-popups-to-escape-sandbox"
              srcdoc={`<base target="_blank">${preview.html}`}
              data-testid="campaign-preview-frame"
            />
          ) : (
            <div class="preview-frame preview-frame--empty" aria-hidden="true" />
          )}
          <details>
            <summary>Text part</summary>
            <pre class="preview-text" data-testid="campaign-preview-text">
              {preview?.text ?? ''}
            </pre>
          </details>
        </section>
      </div>
      <SendActions campaign={campaign} onChange={onChange} beforeSend={async () => (saveState === 'saved' ? true : save())} />
    </>
  );
}

function SendActions({
  campaign,
  onChange,
  beforeSend,
}: {
  campaign: Campaign;
  onChange: (c: Campaign) => void;
  beforeSend: () => Promise<boolean>;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<'test' | 'send' | 'schedule' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [sendAt, setSendAt] = useState(() => isoToLocalInput(new Date(Date.now() + 60 * 60_000).toISOString()));
  const [sendAtError, setSendAtError] = useState<string | undefined>();

  async function run(kind: 'test' | 'send' | 'schedule', action: () => Promise<void>) {
    setBusy(kind);
    setError(null);
    setNotice(null);
    try {
      if (!(await beforeSend())) {
        setError(new ApiError(422, 'not_saved', 'Fix the content first: it could not be saved.'));
        return;
      }
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  const sendTest = () =>
    run('test', async () => {
      const r = await api.testCampaign(campaign.id);
      setNotice(`A test copy is on its way to ${r.to}.`);
    });

  const sendNow = () =>
    run('send', async () => {
      const c = await api.sendCampaign(campaign.id);
      setConfirming(false);
      onChange(c);
    });

  const schedule = (e: Event) => {
    e.preventDefault();
    const problem = validateSendAt(sendAt);
    setSendAtError(problem ?? undefined);
    if (problem) return;
    const iso = localInputToIso(sendAt)!;
    void run('schedule', async () => onChange(await api.scheduleCampaign(campaign.id, iso)));
  };

  return (
    <section class="card form" aria-labelledby="campaign-send-heading">
      <h2 id="campaign-send-heading">Send</h2>
      {notice && <Notice testid="campaign-test-sent">{notice}</Notice>}
      {error !== null && !confirming && (
        <div class="alert alert--error" role="alert" data-testid="campaign-action-error">
          <p>{errorMessage(error, ACTION_MESSAGES)}</p>
        </div>
      )}
      <div class="form__actions">
        <button type="button" class="btn" onClick={() => void sendTest()} disabled={busy !== null} data-testid="campaign-test">
          {busy === 'test' ? 'Sending test…' : 'Send a test to me'}
        </button>
        <button type="button" class="btn btn--primary" onClick={() => setConfirming(true)} disabled={busy !== null} data-testid="campaign-send">
          Send now…
        </button>
      </div>
      <form class="schedule" onSubmit={schedule} noValidate>
        <Field
          id="campaign-schedule-at"
          label="Or schedule for (your local time)"
          type="datetime-local"
          value={sendAt}
          onValue={setSendAt}
          error={sendAtError}
        />
        <button type="submit" class="btn" disabled={busy !== null} data-testid="campaign-schedule">
          {busy === 'schedule' ? 'Scheduling…' : 'Schedule'}
        </button>
      </form>
      {confirming && (
        <ConfirmDialog
          title="Send this campaign now?"
          confirmLabel="Send now"
          busyLabel="Sending…"
          busy={busy === 'send'}
          onConfirm={() => void sendNow()}
          onCancel={() => setConfirming(false)}
          testid="campaign-send"
          error={<FormError error={error} testid="campaign-send-error" messages={ACTION_MESSAGES} />}
        >
          <p>
            <strong>{campaign.subject}</strong> goes to every subscribed member of the list who is not suppressed. This cannot be
            undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function ScheduledPanel({ campaign, onChange }: { campaign: Campaign; onChange: (c: Campaign) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function cancel() {
    setBusy(true);
    setError(null);
    try {
      onChange(await api.cancelSchedule(campaign.id));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card form" aria-labelledby="campaign-scheduled-heading">
      <h2 id="campaign-scheduled-heading">Scheduled</h2>
      <p>
        It will be sent on <strong>{formatDateTime(campaign.scheduled_at)}</strong>. Cancel the schedule to edit it again.
      </p>
      <FormError error={error} testid="campaign-cancel-error" messages={ACTION_MESSAGES} />
      <div class="form__actions">
        <button type="button" class="btn btn--danger-outline" onClick={() => void cancel()} disabled={busy} data-testid="campaign-cancel-schedule">
          {busy ? 'Cancelling…' : 'Cancel schedule'}
        </button>
      </div>
    </section>
  );
}

// ---------------------------------------------------------------- pause / resume

/**
 * "Pause sending" while it is sending, "Resume sending" while it is paused.
 * The answer (the campaign with its new status) replaces the current one; a
 * 409 means the status moved meanwhile (another tab, or the last batch went
 * out), so the campaign is loaded again to show the buttons that apply.
 */
function PausePanel({
  campaign,
  status,
  timeline,
  onChange,
  onConflict,
}: {
  campaign: Campaign;
  status: string;
  timeline: TimelineEntry[];
  onChange: (c: Campaign) => void;
  onConflict: () => void;
}) {
  const [busy, setBusy] = useState<'pause' | 'resume' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const paused = canResume(status);
  const deadline = pauseDeadline(timeline, status);

  async function run(kind: 'pause' | 'resume', action: (id: string) => Promise<Campaign>) {
    setBusy(kind);
    setError(null);
    try {
      onChange(await action(campaign.id));
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.status === 409) onConflict();
    } finally {
      setBusy(null);
    }
  }

  return (
    <section class="card form" aria-labelledby="campaign-pause-heading" data-testid="campaign-pause-panel">
      <h2 id="campaign-pause-heading">{paused ? 'Sending is paused' : 'Sending in progress'}</h2>
      {paused ? (
        <div data-testid="campaign-paused-explanation">
          <p>
            No new batches are going out. Messages already handed to SES are not recalled, so a few that were in flight may still
            be sent.
          </p>
          <p>
            Resuming picks up where it stopped: nobody is mailed twice. A campaign paused for more than 7 days fails
            {deadline ? (
              <>
                {' '}
                (this one on <strong data-testid="campaign-pause-deadline">{formatDateTime(deadline)}</strong> unless it is resumed)
              </>
            ) : null}
            .
          </p>
        </div>
      ) : (
        <p class="muted small" data-testid="campaign-pause-hint">
          Pausing stops new batches from going out. Messages already handed to SES are not recalled, so a few in flight may still
          go. You can resume within 7 days without anyone being mailed twice.
        </p>
      )}
      <FormError error={error} testid="campaign-pause-error" messages={ACTION_MESSAGES} />
      <div class="form__actions">
        {paused ? (
          <button
            type="button"
            class="btn btn--primary"
            onClick={() => void run('resume', api.resumeCampaign)}
            disabled={busy !== null}
            data-testid="campaign-resume"
          >
            {busy === 'resume' ? 'Resuming…' : 'Resume sending'}
          </button>
        ) : (
          <button
            type="button"
            class="btn"
            onClick={() => void run('pause', api.pauseCampaign)}
            disabled={busy !== null}
            data-testid="campaign-pause"
          >
            {busy === 'pause' ? 'Pausing…' : 'Pause sending'}
          </button>
        )}
      </div>
    </section>
  );
}

// ---------------------------------------------------------------- after sending

function SendingView({ campaignId, status, timeline, stats }: { campaignId: string; status: string; timeline: TimelineEntry[]; stats: CampaignStats }) {
  const pct = sendPercent(status, stats);
  const launched = isLaunched(status);
  return (
    <>
      <div class="grid-2">
        <section class="card" aria-labelledby="campaign-timeline-heading">
          <h2 id="campaign-timeline-heading">Timeline</h2>
          <ol class="timeline" data-testid="campaign-timeline">
            {timeline.map((e) => (
              <li key={`${e.status}|${e.at}`} class={`timeline__item timeline__item--${e.status}`} data-status={e.status}>
                <span class="timeline__dot" aria-hidden="true" />
                <strong>{CAMPAIGN_STATUS_LABEL[e.status] ?? e.status}</strong>{' '}
                <time class="muted small" dateTime={e.at}>
                  {formatDateTime(e.at)}
                </time>
              </li>
            ))}
          </ol>
        </section>
        {launched && (
          <section class="card" aria-labelledby="campaign-progress-heading">
            <h2 id="campaign-progress-heading">Sending</h2>
            <div
              class={`progress${status === 'failed' ? ' progress--failed' : status === 'paused' ? ' progress--paused' : ''}`}
              role="progressbar"
              aria-label="Send progress"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={pct}
              aria-valuetext={status === 'paused' ? `${pct}%, paused` : `${pct}%`}
              data-testid="campaign-progress"
            >
              <div class="progress__bar" style={{ width: `${pct}%` }} />
            </div>
            <p class="small" data-testid="campaign-progress-text">
              {status === 'queued'
                ? 'Queued: preparing the audience…'
                : `${status === 'paused' ? 'Paused: ' : ''}${formatCount(stats.sent)} of ${plural(stats.recipients, 'recipient')} mailed (${pct}%)`}
              {stats.suppressed > 0 && <span class="muted"> · {formatCount(stats.suppressed)} suppressed, skipped</span>}
            </p>
          </section>
        )}
      </div>
      {launched && <ResultsChart stats={stats} />}
      {launched && <RecipientsTable campaignId={campaignId} status={status} />}
    </>
  );
}

const CHART_LABEL: Record<string, string> = {
  delivered: 'Delivered',
  bounced: 'Bounced',
  complained: 'Complained',
  unsubscribed: 'Unsubscribed',
  failed: 'Failed',
};

const CHART_WIDTH = 360;
const LABEL_W = 110;
const ROW_H = 30;

export function ResultsChart({ stats }: { stats: CampaignStats }) {
  const { bars, max } = chartBars(stats, CHART_WIDTH);
  const height = bars.length * ROW_H + 24;
  const summary = bars.map((b) => `${CHART_LABEL[b.key]} ${b.value}`).join(', ');
  return (
    <section class="card" aria-labelledby="campaign-results-heading">
      <h2 id="campaign-results-heading">Results</h2>
      <svg
        class="chart"
        viewBox={`0 0 ${LABEL_W + CHART_WIDTH + 60} ${height}`}
        role="img"
        aria-label={`Results: ${summary}`}
        data-testid="campaign-stats-chart"
      >
        {bars.map((b, i) => (
          <g key={b.key} transform={`translate(0 ${i * ROW_H})`}>
            <text x={LABEL_W - 8} y={ROW_H / 2 + 4} text-anchor="end" class="chart__label">
              {CHART_LABEL[b.key]}
            </text>
            <rect x={LABEL_W} y={6} width={CHART_WIDTH} height={ROW_H - 12} class="chart__track" />
            <rect
              x={LABEL_W}
              y={6}
              width={b.length}
              height={ROW_H - 12}
              class={`chart__bar chart__bar--${b.key}`}
              data-testid={`campaign-stat-${b.key}`}
              data-value={b.value}
            />
            <text x={LABEL_W + CHART_WIDTH + 8} y={ROW_H / 2 + 4} class="chart__value">
              {formatCount(b.value)}
            </text>
          </g>
        ))}
        <text x={LABEL_W} y={height - 4} class="chart__axis">
          0
        </text>
        <text x={LABEL_W + CHART_WIDTH} y={height - 4} text-anchor="end" class="chart__axis">
          {formatCount(max)}
        </text>
      </svg>
      <p class="muted small">
        {plural(stats.recipients, 'recipient')}, {formatCount(stats.sent)} mailed
        {stats.suppressed > 0 ? `, ${formatCount(stats.suppressed)} suppressed and skipped` : ''}. Feedback (bounces, complaints) keeps
        arriving after sending.
      </p>
      <ul class="visually-hidden">
        {CHART_KEYS.map((k) => (
          <li key={k}>
            {CHART_LABEL[k]}: {stats[k]}
          </li>
        ))}
      </ul>
    </section>
  );
}

function RecipientsTable({ campaignId, status }: { campaignId: string; status: string }) {
  const recipients = usePaged<Recipient>(`recipients|${campaignId}`, (cursor) =>
    api.campaignRecipients(campaignId, { limit: RECIPIENTS_PAGE_SIZE, cursor }),
  );
  const reload = recipients.reload;
  // the rows change while sending: fetch again when the status moves
  useEffect(() => reload(), [status]);

  return (
    <section class="card card--flush" aria-labelledby="campaign-recipients-heading">
      <div class="card__head">
        <h2 id="campaign-recipients-heading">Recipients</h2>
        <button type="button" class="btn btn--small" onClick={reload} disabled={recipients.loading} data-testid="campaign-recipients-refresh">
          Refresh
        </button>
      </div>
      <FormError error={recipients.error} testid="campaign-recipients-error" />
      {recipients.loaded && (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Recipients">
          <table class="table table--responsive" data-testid="campaign-recipients-table">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Status</th>
                <th scope="col">Note</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {recipients.items.length === 0 && (
                <tr>
                  <td colSpan={4} class="table__empty" data-testid="campaign-recipients-empty">
                    No recipients yet.
                  </td>
                </tr>
              )}
              {recipients.items.map((r) => (
                <tr key={r.email} data-testid="campaign-recipient-row">
                  <td data-label="Email" class="cell--strong cell--wrap" data-testid="campaign-recipient-email">
                    {r.email}
                  </td>
                  <td data-label="Status">
                    <span class={`badge badge--${RECIPIENT_STATUS_TONE[r.status] ?? 'muted'}`} data-testid="campaign-recipient-status" data-status={r.status}>
                      {r.status.charAt(0).toUpperCase() + r.status.slice(1)}
                    </span>
                  </td>
                  <td data-label="Note" class="cell--wrap">
                    {r.reason ?? <span class="muted">—</span>}
                  </td>
                  <td data-label="Updated">{formatDateTime(r.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        stack={recipients.stack}
        nextCursor={recipients.nextCursor}
        loading={recipients.loading}
        onPrevious={recipients.previous}
        onNext={recipients.next}
        testid="campaign-recipients-pager"
        label="Pages of recipients"
      />
    </section>
  );
}
