import type { JSX } from 'preact';
import { controlProps, FieldFrame } from './Field';

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
    <FieldFrame id={id} label={label} error={error} hint={hint} testid={testid}>
      <select {...controlProps({ id, error, hint, testid })} value={value} onChange={(e) => onValue(e.currentTarget.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}
