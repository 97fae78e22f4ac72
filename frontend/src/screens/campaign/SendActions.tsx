/** A draft's actions: a test to me, "Send now…" (confirmed), or a schedule. Unsaved edits are saved first. */
import { useState } from 'preact/hooks';
import { api, ApiError, type Campaign } from '../../api';
import { isoToLocalInput, localInputToIso, validateSendAt } from '../../campaigns';
import { ConfirmDialog } from '../../components/Dialog';
import { Field } from '../../components/Field';
import { errorMessage, FormError, Notice } from '../../components/FormError';
import { useSubmit, type SubmitStep } from '../../hooks/useSubmit';
import { ACTION_MESSAGES } from './messages';
import s from './style.module.css';

export function SendActions({
  campaign,
  onChange,
  beforeSend,
}: {
  campaign: Campaign;
  onChange: (c: Campaign) => void;
  beforeSend: () => Promise<boolean>;
}) {
  const [confirming, setConfirming] = useState(false);
  const [sendAt, setSendAt] = useState(() => isoToLocalInput(new Date(Date.now() + 60 * 60_000).toISOString()));
  // the result is the notice to show (a test is on its way)
  const act = useSubmit<'send_at', string | null>();

  /** The step, once the content is saved. */
  const saved = (step: SubmitStep<'send_at', string | null>): SubmitStep<'send_at', string | null> => ({
    ...step,
    send: async () => {
      if (!(await beforeSend())) throw new ApiError(422, 'not_saved', 'Fix the content first: it could not be saved.');
      return step.send();
    },
  });

  const sendTest = act.handler(
    saved({
      kind: 'test',
      send: async () => `A test copy is on its way to ${(await api.testCampaign(campaign.id)).to}.`,
    }),
  );
  const sendNow = act.handler(
    saved({
      kind: 'send',
      send: async () => {
        const c = await api.sendCampaign(campaign.id);
        setConfirming(false);
        onChange(c);
        return null;
      },
    }),
  );
  const schedule = act.handler(
    saved({
      kind: 'schedule',
      validate: () => ({ send_at: validateSendAt(sendAt) }),
      send: async () => {
        onChange(await api.scheduleCampaign(campaign.id, localInputToIso(sendAt)!));
        return null;
      },
    }),
  );

  return (
    <section class="card form" aria-labelledby="campaign-send-heading">
      <h2 id="campaign-send-heading">Send</h2>
      {act.result && <Notice testid="campaign-test-sent">{act.result}</Notice>}
      {act.error !== null && !confirming && (
        <div class="alert alert--error" role="alert" data-testid="campaign-action-error">
          <p>{errorMessage(act.error, ACTION_MESSAGES)}</p>
        </div>
      )}
      <div class="form__actions">
        <button type="button" class="btn" onClick={sendTest} disabled={act.sending} data-testid="campaign-test">
          {act.running === 'test' ? 'Sending test…' : 'Send a test to me'}
        </button>
        <button type="button" class="btn btn--primary" onClick={() => setConfirming(true)} disabled={act.sending} data-testid="campaign-send">
          Send now…
        </button>
      </div>
      <form ref={act.form} class={s.schedule} onSubmit={schedule} noValidate>
        <Field
          id="campaign-schedule-at"
          label="Or schedule for (your local time)"
          type="datetime-local"
          value={sendAt}
          onValue={setSendAt}
          error={act.errors.send_at}
        />
        <button type="submit" class="btn" disabled={act.sending} data-testid="campaign-schedule">
          {act.running === 'schedule' ? 'Scheduling…' : 'Schedule'}
        </button>
      </form>
      {confirming && (
        <ConfirmDialog
          title="Send this campaign now?"
          confirmLabel="Send now"
          busyLabel="Sending…"
          busy={act.running === 'send'}
          onConfirm={sendNow}
          onCancel={() => setConfirming(false)}
          testid="campaign-send"
          error={<FormError error={act.error} testid="campaign-send-error" messages={ACTION_MESSAGES} />}
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
