/** The frame of a form in a card: its heading, the refusal above the fields, the fields, the foot. */
import type { ComponentChildren } from 'preact';
import type { Submit } from '../hooks/useSubmit';
import { SubmitActions } from './Field';
import { FormError } from './FormError';

export interface FormCardProps {
  /** the form's state (useForm): its ref, `sending`, `error`, `result`, and the prefix of its ids */
  form: Pick<Submit<string, unknown>, 'form' | 'sending' | 'error' | 'result'> & { id: (suffix: string) => string };
  onSubmit: (e?: Event) => void;
  /** the card's heading (`<prefix>-heading`), the form's name for screen readers */
  title: string;
  /** between the heading and the refusal */
  lead?: ComponentChildren;
  /** shown above the fields (`<prefix>-error`) while the form has no refusal of its own: e.g. a failed load it needs */
  error?: unknown;
  /** words to show instead of the server's, by error code */
  messages?: Record<string, string>;
  /**
   * a form that saves in place: its button is `<prefix>-save` ("Save", "Saving…" unless `submit`
   * and `busy` say otherwise), and "Saved." shows in `<prefix>-saved` after each save
   */
  saves?: boolean;
  /** the submit button's words, and while it sends; `<prefix>-submit` unless `saves` */
  submit?: string;
  busy?: string;
  /** no sending until then (e.g. unchanged, or what it needs is still loading) */
  disabled?: boolean;
  /** what the last send did, announced in `doneTestid` (a form that saves has its own); none for a form that leaves the page */
  done?: string;
  doneTestid?: string;
  /** more buttons beside the submit button */
  actions?: ComponentChildren;
  children: ComponentChildren;
}

export function FormCard(props: FormCardProps) {
  const { form, onSubmit, title, lead, messages, saves, submit = 'Save', busy = 'Saving…', disabled, actions, children } = props;
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
        testid={form.id(saves ? 'save' : 'submit')}
        label={submit}
        done={saves ? (form.result ? 'Saved.' : '') : props.done}
        doneTestid={saves ? form.id('saved') : props.doneTestid}
      >
        {actions}
      </SubmitActions>
    </form>
  );
}
