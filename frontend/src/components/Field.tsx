import type { ComponentChildren, InputHTMLAttributes, JSX } from 'preact';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onInput' | 'label'>;

export interface FieldProps extends InputProps {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  hint?: JSX.Element | string | undefined;
  /** defaults to `id`; used by Playwright */
  testid?: string;
}

/** The ids a field's error and hint get, and what its control is described by. */
export function fieldNotes(id: string, error: string | undefined, hint: unknown) {
  const errorId = error ? `${id}-error` : undefined;
  const hintId = hint ? `${id}-hint` : undefined;
  return { errorId, hintId, describedBy: [errorId, hintId].filter(Boolean).join(' ') || undefined };
}

/** A field's error (announced) and hint, under its control. */
export function FieldNotes({ id, testid, error, hint }: { id: string; testid: string; error?: string | undefined; hint?: JSX.Element | string | undefined }) {
  const { errorId, hintId } = fieldNotes(id, error, hint);
  return (
    <>
      {error && (
        <p class="field__error" id={errorId} data-testid={`${testid}-error`}>
          {error}
        </p>
      )}
      {hint && (
        <div class="field__hint" id={hintId}>
          {hint}
        </div>
      )}
    </>
  );
}

/** The frame of a labelled control: the label, the control, then its error and hint. */
export function FieldFrame({ id, label, error, hint, testid = id, children }: FieldFrameProps) {
  return (
    <div class={`field${error ? ' field--invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children}
      <FieldNotes id={id} testid={testid} error={error} hint={hint} />
    </div>
  );
}

export interface FieldFrameProps {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: JSX.Element | string | undefined;
  testid?: string | undefined;
  children: ComponentChildren;
}

/** What a field's control carries: its id and name, whether it is invalid, what describes it, its test id. */
export function controlProps({ id, error, hint, testid = id }: Omit<FieldFrameProps, 'label' | 'children'>) {
  return {
    id,
    name: id,
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': fieldNotes(id, error, hint).describedBy,
    'data-testid': testid,
  };
}

/** A labelled input with its hint and error tied to it for screen readers. */
export function Field({ label, value, onValue, ...props }: FieldProps) {
  const { id, error, hint, testid, ...input } = props;
  return (
    <FieldFrame id={id} label={label} error={error} hint={hint} testid={testid}>
      <input {...input} {...controlProps({ id, error, hint, testid })} value={value} onInput={(e) => onValue(e.currentTarget.value)} />
    </FieldFrame>
  );
}

/** A submit button that says what it is doing while the form is being sent. */
export function SubmitButton({ sending, busyLabel, testid, disabled, children }: { sending: boolean; busyLabel: string; testid: string; disabled?: boolean; children: string }) {
  return (
    <button type="submit" class="btn btn--primary" disabled={sending || disabled} data-testid={testid}>
      {sending ? busyLabel : children}
    </button>
  );
}

/** The foot of a form: its submit button, any other buttons, then what the last send did ("Saved."), announced. */
export function SubmitActions(props: {
  sending: boolean;
  busyLabel: string;
  testid: string;
  disabled?: boolean;
  /** the submit button's words */
  label: string;
  /** what the last send did; '' before it (no such line without `doneTestid`: a form that leaves the page) */
  done?: string;
  doneTestid?: string | undefined;
  children?: ComponentChildren;
}) {
  const { sending, busyLabel, testid, disabled, label, done, doneTestid, children } = props;
  return (
    <div class="form__actions">
      <SubmitButton sending={sending} disabled={disabled} busyLabel={busyLabel} testid={testid}>
        {label}
      </SubmitButton>
      {children}
      {doneTestid && (
        <span class="saved" role="status" data-testid={doneTestid}>
          {done}
        </span>
      )}
    </div>
  );
}
