import type { JSX } from 'preact';
import { controlProps, FieldFrame } from './Field';

export interface TextAreaFieldProps {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  rows?: number;
  maxLength?: number;
  /** a monospaced font (templates) */
  code?: boolean;
  placeholder?: string;
  hint?: JSX.Element | string | undefined;
  error?: string | undefined;
  testid?: string;
}

/** A labelled <textarea> with hint and error, like Field. */
export function TextAreaField({ id, label, value, onValue, rows = 3, maxLength, code, placeholder, hint, error, testid }: TextAreaFieldProps) {
  return (
    <FieldFrame id={id} label={label} error={error} hint={hint} testid={testid}>
      <textarea
        {...controlProps({ id, error, hint, testid })}
        class={code ? 'input textarea textarea--code' : 'input textarea'}
        rows={rows}
        maxLength={maxLength}
        placeholder={placeholder}
        spellcheck={!code}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
      />
    </FieldFrame>
  );
}
