/** A finished campaign's recipients who never got it: how many, why, and "Resend to N failed". */
import { useState } from 'preact/hooks';
import { api, type Campaign, type CampaignStats } from '../../api';
import { ConfirmAction } from '../../components/Dialog';
import { formatCount, plural } from '../../format';
import { ACTION_MESSAGES } from './messages';

/**
 * Shown once a campaign is sent or failed and some recipients ended `failed`.
 * "Show them" filters the recipients table to them (each with its reason);
 * the resend mails those that can be mailed again, once each, after a
 * confirmation.
 */
export function ResendPanel({
  campaignId,
  stats,
  onShowFailed,
  onChange,
}: {
  campaignId: string;
  stats: CampaignStats;
  onShowFailed: () => void;
  onChange: (c: Campaign) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const others = Math.max(stats.failed - stats.resendable, 0);
  return (
    <section class="card form" aria-labelledby="campaign-failed-heading" data-testid="campaign-resend-panel">
      <h2 id="campaign-failed-heading">Never delivered</h2>
      <p data-testid="campaign-failed-summary">
        <strong>{plural(stats.failed, 'recipient')}</strong> never got this campaign.{' '}
        {stats.resendable > 0 ? (
          <>
            {formatCount(stats.resendable)} can be sent it again: SES throttled them, their sender stopped, or their message could not
            be rendered or was refused.
          </>
        ) : (
          'None of them can be sent it again.'
        )}
        {others > 0 && <> {formatCount(others)} opted out, or were already sent it again once: they are not mailed.</>}
      </p>
      <div class="form__actions">
        <button type="button" class="btn" onClick={onShowFailed} data-testid="campaign-show-failed">
          Show who, and why
        </button>
        {stats.resendable > 0 && (
          <button type="button" class="btn btn--primary" onClick={() => setConfirming(true)} data-testid="campaign-resend">
            Resend to {formatCount(stats.resendable)} failed
          </button>
        )}
      </div>
      {confirming && (
        <ConfirmAction
          title="Resend to the failed recipients?"
          confirmLabel={`Resend to ${formatCount(stats.resendable)}`}
          busyLabel="Starting…"
          testid="campaign-resend"
          messages={ACTION_MESSAGES}
          action={async () => onChange(await api.resendFailed(campaignId))}
          onDone={() => setConfirming(false)}
          onCancel={() => setConfirming(false)}
        >
          <p>
            The campaign goes out again to the {plural(stats.resendable, 'recipient')} it failed to reach, each at most once more.
            Whoever unsubscribed or was suppressed since is skipped.
          </p>
          <p class="muted small">
            A recipient whose sender stopped mid-send (“interrupted”) may have received the first message after all, and would then get
            it twice.
          </p>
        </ConfirmAction>
      )}
    </section>
  );
}
