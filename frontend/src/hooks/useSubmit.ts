/**
 * One submit state machine for every form and action button: check the fields, send once at a
 * time, show a refusal next to its field or above the form, and move focus to the first field
 * that needs fixing.
 */
import type { RefObject } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ApiError, fieldErrorsFromDetails } from '../api';
import { collectErrors, hasErrors, type FieldErrors } from '../validation';

export interface SubmitStep<F extends string, R> {
  /** checks before sending: a message per field that needs fixing (null when it is fine) */
  validate?: () => Partial<Record<F, string | null | undefined>>;
  /** the call; what it resolves to becomes `result` */
  send: () => Promise<R>;
  /** a refusal about one field (a taken address, a wrong code): its message, shown there instead of above the form */
  refusal?: (err: ApiError) => FieldErrors<F> | null;
  /** which of a form's actions this is: `running` names it while it runs */
  kind?: string;
}

export interface Submit<F extends string, R> {
  /** the form: its first invalid field takes focus after a failed check */
  form: RefObject<HTMLFormElement>;
  errors: FieldErrors<F>;
  setErrors: (errors: FieldErrors<F>) => void;
  /** the refusal or failure shown above the form (FormError) */
  error: unknown;
  setError: (error: unknown) => void;
  sending: boolean;
  /** the `kind` of the step being sent */
  running: string | null;
  /** what the last successful send resolved to; cleared when the next one starts */
  result: R | null;
  setResult: (result: R | null) => void;
  /** an event handler (onSubmit, onClick) that runs the step */
  handler: (step: SubmitStep<F, R>) => (e?: Event) => void;
}

/** Move focus to the first invalid input of a form (after a failed check). */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  requestAnimationFrame(() => form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}

export function useSubmit<F extends string = never, R = unknown>(): Submit<F, R> {
  const form = useRef<HTMLFormElement>(null);
  const [errors, setErrors] = useState<FieldErrors<F>>({});
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState<string | null>(null);
  const [result, setResult] = useState<R | null>(null);
  // a ref, not the state: a second click before the re-render must not send twice
  const busy = useRef(false);

  async function run({ validate, send, refusal, kind }: SubmitStep<F, R>): Promise<void> {
    if (busy.current) return;
    setError(null);
    setResult(null);
    if (validate) {
      const found = collectErrors<F>(validate());
      setErrors(found);
      if (hasErrors(found)) {
        focusFirstInvalid(form.current);
        return;
      }
    }
    busy.current = true;
    setRunning(kind ?? 'submit');
    try {
      setResult(await send());
    } catch (err) {
      const onField = err instanceof ApiError ? refusal?.(err) : null;
      if (onField) {
        setErrors(onField);
        focusFirstInvalid(form.current);
      } else {
        // a form's fields get the server's word on them too (a 422's details)
        if (validate && err instanceof ApiError) setErrors(fieldErrorsFromDetails(err.details) as FieldErrors<F>);
        setError(err);
      }
    } finally {
      busy.current = false;
      setRunning(null);
    }
  }

  return {
    form,
    errors,
    setErrors,
    error,
    setError,
    sending: running !== null,
    running,
    result,
    setResult,
    handler: (step) => (e) => {
      e?.preventDefault();
      void run(step);
    },
  };
}
