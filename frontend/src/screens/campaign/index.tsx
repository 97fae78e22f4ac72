/** A campaign's page: its facts, then the editor (draft), the schedule, pause / resume, and the sending view. */
import type { Campaign } from '../../api';
import { canPause, canResume, isLaunched } from '../../campaigns';
import { CampaignStatusBadge } from '../../components/Badges';
import { DetailPage } from '../../components/DetailPage';
import { ExportButton } from '../../components/ExportButton';
import { formatDateTime } from '../../format';
import { useAllLists } from '../../hooks/useAllLists';
import { Link } from '../../router';
import { Audience } from './Audience';
import { Editor } from './Editor';
import { PausePanel } from './PausePanel';
import { ScheduledPanel } from './ScheduledPanel';
import { SendingView } from './SendingView';
import { useCampaign } from './useCampaign';

function CampaignFacts({ campaign, status, listName }: { campaign: Campaign; status: string; listName: string | null }) {
  return (
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
        <dd>{listName !== null ? <Link href={`/lists/${encodeURIComponent(campaign.list_id)}`}>{listName}</Link> : '—'}</dd>
        <dt>Subject</dt>
        <dd class="cell--wrap">{campaign.subject}</dd>
        <dt>From</dt>
        <dd>
          {campaign.from_name || <span class="muted">(default)</span>}
          {campaign.reply_to && <span class="muted small"> · reply to {campaign.reply_to}</span>}
        </dd>
      </dl>
      {isLaunched(status) && (
        <div class="list-head__actions">
          <ExportButton kind="campaign" id={campaign.id} testid="campaign-export" />
        </div>
      )}
    </div>
  );
}

export function CampaignDetailScreen({ params }: { params: Record<string, string> }) {
  const id = params.id ?? '';
  const { campaign, loadError, status, timeline, stats, failure, accept, load } = useCampaign(id);
  const { lists } = useAllLists();

  const list = campaign ? lists?.find((l) => l.id === campaign.list_id) : undefined;

  return (
    <DetailPage thing="campaign" name={campaign?.name ?? null} loadError={loadError}>
      {campaign && status && stats && (
        <div class="stack">
          <CampaignFacts campaign={campaign} status={status} listName={list?.name ?? null} />
          {failure && status === 'failed' && (
            <div class="alert alert--error" role="alert" data-testid="campaign-failure">
              <p>The campaign failed: {failure.message || failure.code}</p>
              <p class="alert__ref">Code: {failure.code}</p>
            </div>
          )}
          {status === 'draft' && <Audience campaign={campaign} listName={list?.name ?? 'the list'} onChange={accept} />}
          {status === 'draft' && <Editor campaign={campaign} onChange={accept} />}
          {status === 'scheduled' && <ScheduledPanel campaign={campaign} onChange={accept} />}
          {(canPause(status) || canResume(status)) && (
            <PausePanel campaign={campaign} status={status} timeline={timeline} onChange={accept} onConflict={load} />
          )}
          {(isLaunched(status) || status === 'scheduled') && <SendingView campaignId={id} status={status} timeline={timeline} stats={stats} onChange={accept} track={campaign.track} />}
        </div>
      )}
    </DetailPage>
  );
}
