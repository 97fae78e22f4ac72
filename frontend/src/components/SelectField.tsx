import type { JSX } from 'preact';

export interface SelectFieldProps {
  id: string;
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onValue: (value: string) => void;
  hint?: JSX.Element | string | undefined;
  error?: string | undefined;
  testid?: string;
}

/** A labelled <select> with hint and error, like Field. */
export function SelectField({ id, label, value, options, onValue, hint, error, testid }: SelectFieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div class={`field${error ? ' field--invalid' : ''}`}>
      <label for={id}>{label}</label>
      <select
        id={id}
        name={id}
        value={value}
        onChange={(e) => onValue(e.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={[errorId, hintId].filter(Boolean).join(' ') || undefined}
        data-testid={testid ?? id}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
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
