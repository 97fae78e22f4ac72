import type { InputHTMLAttributes, JSX } from 'preact';

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

/** A labelled input with its hint and error tied to it for screen readers. */
export function Field({ id, label, value, onValue, error, hint, testid, ...input }: FieldProps) {
  return (
    <div class={`field${error ? ' field--invalid' : ''}`}>
      <label for={id}>{label}</label>
      <input
        {...input}
        id={id}
        name={id}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={fieldNotes(id, error, hint).describedBy}
        data-testid={testid ?? id}
      />
      <FieldNotes id={id} testid={testid ?? id} error={error} hint={hint} />
    </div>
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
