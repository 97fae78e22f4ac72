/** The frame of a form in a card: its heading, the refusal above the fields, the fields, the foot. */
import type { ComponentChildren } from 'preact';
import type { Submit } from '../hooks/useSubmit';
import { SubmitActions } from './Field';
import { FormError } from './FormError';

export interface FormCardProps {
  /** the form's state (useForm): its ref, `sending`, `error`, and the prefix of its ids */
  form: Pick<Submit<string, unknown>, 'form' | 'sending' | 'error'> & { id: (suffix: string) => string };
  onSubmit: (e?: Event) => void;
  /** the card's heading (`<prefix>-heading`), the form's name for screen readers */
  title: string;
  /** between the heading and the refusal */
  lead?: ComponentChildren;
  /** shown above the fields (`<prefix>-error`) while the form has no refusal of its own: e.g. a failed load it needs */
  error?: unknown;
  /** words to show instead of the server's, by error code */
  messages?: Record<string, string>;
  /** the submit button's words, and while it sends; `<prefix>-submit` unless `submitTestid` */
  submit: string;
  busy: string;
  submitTestid?: string;
  /** no sending until then (e.g. what it needs is still loading) */
  disabled?: boolean;
  /** what the last send did ("Saved."), announced in `doneTestid`; none for a form that leaves the page */
  done?: string;
  doneTestid?: string;
  /** more buttons beside the submit button */
  actions?: ComponentChildren;
  children: ComponentChildren;
}

export function FormCard(props: FormCardProps) {
  const { form, onSubmit, title, lead, messages, submit, busy, disabled, done, doneTestid, actions, children } = props;
  const headingId = form.id('heading');
  return (
    <form ref={form.form} class="card form" onSubmit={onSubmit} noValidate aria-busy={form.sending} aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {lead}
      <FormError error={form.error ?? props.error} testid={form.id('error')} messages={messages} />
      {children}
      <SubmitActions
        sending={form.sending}
        disabled={disabled}
        busyLabel={busy}
        testid={props.submitTestid ?? form.id('submit')}
        label={submit}
        done={done}
        doneTestid={doneTestid}
      >
        {actions}
      </SubmitActions>
    </form>
  );
}
