import type { JSX } from 'preact';
import { fieldNotes, FieldNotes } from './Field';

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
  return (
    <div class={`field${error ? ' field--invalid' : ''}`}>
      <label for={id}>{label}</label>
      <select
        id={id}
        name={id}
        value={value}
        onChange={(e) => onValue(e.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={fieldNotes(id, error, hint).describedBy}
        data-testid={testid ?? id}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldNotes id={id} testid={testid ?? id} error={error} hint={hint} />
    </div>
  );
}
