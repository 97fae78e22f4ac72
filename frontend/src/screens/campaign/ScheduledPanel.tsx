/** A scheduled campaign: when it goes, and "Cancel schedule" (a draft again). */
import { api, type Campaign } from '../../api';
import { FormError } from '../../components/FormError';
import { formatDateTime } from '../../format';
import { useSubmit } from '../../hooks/useSubmit';
import { ACTION_MESSAGES } from './messages';

export function ScheduledPanel({ campaign, onChange }: { campaign: Campaign; onChange: (c: Campaign) => void }) {
  const act = useSubmit();
  const cancel = act.handler({ send: async () => onChange(await api.cancelSchedule(campaign.id)) });

  return (
    <section class="card form" aria-labelledby="campaign-scheduled-heading">
      <h2 id="campaign-scheduled-heading">Scheduled</h2>
      <p>
        It will be sent on <strong>{formatDateTime(campaign.scheduled_at)}</strong>. Cancel the schedule to edit it again.
      </p>
      <FormError error={act.error} testid="campaign-cancel-error" messages={ACTION_MESSAGES} />
      <div class="form__actions">
        <button type="button" class="btn btn--danger-outline" onClick={cancel} disabled={act.sending} data-testid="campaign-cancel-schedule">
          {act.sending ? 'Cancelling…' : 'Cancel schedule'}
        </button>
      </div>
    </section>
  );
}
