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

/** A labelled input with its hint and error tied to it for screen readers. */
export function Field({ id, label, value, onValue, error, hint, testid, ...input }: FieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
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
        aria-describedby={describedBy}
        data-testid={testid ?? id}
      />
      {error && (
        <p class="field__error" id={errorId} data-testid={`${testid ?? id}-error`}>
          {error}
        </p>
      )}
      {hint && (
        <div class="field__hint" id={hintId}>
          {hint}
        </div>
      )}
    </div>
  );
}
