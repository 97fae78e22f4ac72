/** Pause a sending campaign, resume a paused one. */
import { api, ApiError, type Campaign, type TimelineEntry } from '../../api';
import { canResume, pauseDeadline } from '../../campaigns';
import { FormError } from '../../components/FormError';
import { formatDateTime } from '../../format';
import { useSubmit } from '../../hooks/useSubmit';
import { ACTION_MESSAGES } from './messages';

/**
 * "Pause sending" while it is sending, "Resume sending" while it is paused.
 * The answer (the campaign with its new status) replaces the current one; a
 * 409 means the status moved meanwhile (another tab, or the last batch went
 * out), so the campaign is loaded again to show the buttons that apply.
 */
export function PausePanel({
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
  const act = useSubmit();
  const paused = canResume(status);
  const deadline = pauseDeadline(timeline, status);

  const button = paused
    ? { kind: 'resume' as const, call: api.resumeCampaign, label: 'Resume sending', busy: 'Resuming…' }
    : { kind: 'pause' as const, call: api.pauseCampaign, label: 'Pause sending', busy: 'Pausing…' };

  const run = (kind: 'pause' | 'resume', action: (id: string) => Promise<Campaign>) =>
    act.handler({
      kind,
      send: async () => {
        try {
          onChange(await action(campaign.id));
        } catch (err) {
          if (err instanceof ApiError && err.status === 409) onConflict();
          throw err;
        }
      },
    });

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
      <FormError error={act.error} testid="campaign-pause-error" messages={ACTION_MESSAGES} />
      <div class="form__actions">
        <button
          type="button"
          class={paused ? 'btn btn--primary' : 'btn'}
          onClick={run(button.kind, button.call)}
          disabled={act.sending}
          data-testid={`campaign-${button.kind}`}
        >
          {act.running === button.kind ? button.busy : button.label}
        </button>
      </div>
    </section>
  );
}
