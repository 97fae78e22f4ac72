import type { ComponentChildren } from 'preact';
import { ApiError } from '../api';

export interface FormErrorProps {
  error: unknown;
  /** words to show instead of the server's message, by error code */
  messages?: Record<string, string>;
  testid: string;
  children?: ComponentChildren;
}

/** The message to show a person for any thrown error. */
export function errorMessage(error: unknown, messages: Record<string, string> = {}): string {
  if (error instanceof ApiError) return messages[error.code] ?? error.message;
  return 'Something went wrong. Please try again.';
}

/** An error box next to a form; announced by screen readers when it appears. */
export function FormError({ error, messages, testid, children }: FormErrorProps) {
  if (!error) return null;
  const ref = error instanceof ApiError ? error.correlationId : null;
  return (
    <div class="alert alert--error" role="alert" data-testid={testid}>
      <p>{errorMessage(error, messages)}</p>
      {children}
      {ref && <p class="alert__ref">Reference: {ref}</p>}
    </div>
  );
}

export function Notice({ children, testid }: { children: ComponentChildren; testid?: string }) {
  return (
    <div class="alert alert--info" role="status" data-testid={testid}>
      {children}
    </div>
  );
}
