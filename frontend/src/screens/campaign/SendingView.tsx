/** Once sending starts: the status timeline, the send progress, the results with opens and clicks, who never got it and the recipients. */
import { useState } from 'preact/hooks';
import type { Campaign, CampaignStats, RecipientFilter, TimelineEntry } from '../../api';
import { CAMPAIGN_STATUS_LABEL, isFinished, isLaunched, sendPercent } from '../../campaigns';
import { formatCount, plural } from '../../format';
import { Engagement } from './Engagement';
import { RecipientsTable } from './RecipientsTable';
import { ResendPanel } from './ResendPanel';
import { ResultsChart } from './ResultsChart';
import s from './style.module.css';
import { Time } from '../../components/Time';

export function SendingView({
  campaignId,
  status,
  timeline,
  stats,
  onChange,
  track,
}: {
  campaignId: string;
  status: string;
  timeline: TimelineEntry[];
  stats: CampaignStats;
  onChange: (c: Campaign) => void;
  track: boolean;
}) {
  const pct = sendPercent(status, stats);
  const launched = isLaunched(status);
  const [filter, setFilter] = useState<RecipientFilter | ''>('');
  return (
    <>
      <div class="grid-2">
        <section class="card" aria-labelledby="campaign-timeline-heading">
          <h2 id="campaign-timeline-heading">Timeline</h2>
          <ol class={s.timeline} data-testid="campaign-timeline">
            {timeline.map((e) => (
              <li key={`${e.status}|${e.at}`} class={s.timelineItem} data-status={e.status}>
                <span class={s.timelineDot} aria-hidden="true" />
                <strong>{CAMPAIGN_STATUS_LABEL[e.status] ?? e.status}</strong>{' '}
                <Time at={e.at} class="muted small" />
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
      {launched && (
        <div class="grid-2">
          <ResultsChart stats={stats} />
          <Engagement campaignId={campaignId} stats={stats} track={track} />
        </div>
      )}
      {isFinished(status) && stats.failed > 0 && (
        <ResendPanel campaignId={campaignId} stats={stats} onShowFailed={() => setFilter('failed')} onChange={onChange} />
      )}
      {launched && <RecipientsTable campaignId={campaignId} status={status} filter={filter} onFilter={setFilter} />}
    </>
  );
}
