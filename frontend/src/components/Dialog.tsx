import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { useSubmit } from '../hooks/useSubmit';
import { SubmitButton } from './Field';
import { FormError } from './FormError';

export interface DialogProps {
  title: string;
  /** Esc, the close button or a "Cancel" */
  onClose: () => void;
  children: ComponentChildren;
  testid?: string;
  /** "alertdialog" for a confirmation */
  role?: 'dialog' | 'alertdialog';
}

let counter = 0;

/**
 * A modal <dialog>: mounted = open. The browser traps focus, closes it on Esc
 * and hides the rest from screen readers; focus goes back where it was after.
 */
export function Dialog({ title, onClose, children, testid, role }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useRef(`dialog-title-${++counter}`);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const before = document.activeElement as HTMLElement | null;
    if (!d.open) d.showModal();
    // The first field, else the first button, takes focus.
    const first = d.querySelector<HTMLElement>('input:not([type=hidden]):not([readonly]), select, textarea, .dialog__body button');
    first?.focus();
    const onCancel = (e: Event) => {
      e.preventDefault();
      closeRef.current();
    };
    d.addEventListener('cancel', onCancel);
    return () => {
      d.removeEventListener('cancel', onCancel);
      if (d.open) d.close();
      if (before && document.contains(before)) before.focus();
    };
  }, []);

  return (
    <dialog ref={ref} class="dialog" aria-labelledby={titleId.current} role={role} data-testid={testid}>
      <div class="dialog__head">
        <h2 id={titleId.current}>{title}</h2>
        <button type="button" class="btn btn--ghost dialog__x" onClick={() => closeRef.current()} aria-label="Close">
          ×
        </button>
      </div>
      <div class="dialog__body">{children}</div>
    </dialog>
  );
}

export interface ConfirmProps {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  busyLabel?: string;
  busy?: boolean;
  error?: ComponentChildren;
  onConfirm: () => void;
  onCancel: () => void;
  testid: string;
}

/**
 * "Are you sure?": the dialog is `<testid>-dialog`, its buttons `<testid>-confirm`
 * (dangerous) and `<testid>-cancel`.
 */
export function ConfirmDialog({ title, children, confirmLabel, busyLabel, busy, error, onConfirm, onCancel, testid }: ConfirmProps) {
  return (
    <Dialog title={title} onClose={onCancel} testid={`${testid}-dialog`} role="alertdialog">
      <div class="form">
        {children}
        {error}
        <div class="form__actions form__actions--end">
          <button type="button" class="btn" onClick={onCancel} data-testid={`${testid}-cancel`}>
            Cancel
          </button>
          <button type="button" class="btn btn--danger" onClick={onConfirm} disabled={busy} data-testid={`${testid}-confirm`}>
            {busy ? (busyLabel ?? 'Working…') : confirmLabel}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

export interface ConfirmActionProps extends Omit<ConfirmProps, 'busy' | 'error' | 'onConfirm'> {
  /** the call made on "confirm" */
  action: () => Promise<unknown>;
  /** the error code meaning it was already done (e.g. deleted meanwhile): the same outcome */
  doneCode?: string;
  onDone: () => void;
  /** words to show instead of the server's, by error code */
  messages?: Record<string, string>;
}

/** A ConfirmDialog that runs its action: busy while it runs, the refusal in the dialog (`<testid>-error`). */
export function ConfirmAction({ action, doneCode, onDone, messages, ...confirm }: ConfirmActionProps) {
  const act = useSubmit();
  const onConfirm = act.handler({
    send: async () => {
      try {
        await action();
      } catch (err) {
        if (!(doneCode && err instanceof ApiError && err.code === doneCode)) throw err;
      }
      onDone();
    },
  });
  return (
    <ConfirmDialog
      {...confirm}
      busy={act.sending}
      onConfirm={onConfirm}
      error={<FormError error={act.error} testid={`${confirm.testid}-error`} messages={messages} />}
    />
  );
}

export interface DeleteActionProps extends Omit<ConfirmActionProps, 'title' | 'confirmLabel' | 'busyLabel' | 'doneCode'> {
  /** what is deleted, as the API names it: "Delete this <thing>?", and `<thing>_not_found` counts as done */
  thing: string;
  confirmLabel?: string;
  /** the API's name for it when the words differ (an endpoint is a `webhook`): `<apiName>_not_found` counts as done */
  apiName?: string;
}

/** "Delete this <thing>?": a ConfirmAction whose call deletes it; deleted meanwhile is the same outcome. */
export function DeleteAction({ thing, confirmLabel = 'Delete', apiName = thing, ...action }: DeleteActionProps) {
  return <ConfirmAction {...action} title={`Delete this ${thing}?`} confirmLabel={confirmLabel} busyLabel="Deleting…" doneCode={`${apiName}_not_found`} />;
}

/** An item's page's "Delete" button (`testid`) and the confirmation it opens: `dialog(close)`, the item's own delete dialog. */
export function DeleteButton({ testid, dialog }: { testid: string; dialog: (close: () => void) => JSX.Element }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="btn btn--danger-outline" onClick={() => setOpen(true)} data-testid={testid}>
        Delete
      </button>
      {open && dialog(() => setOpen(false))}
    </>
  );
}

/** "Cancel" and the submit button at the foot of a dialog's form. */
export function DialogButtons({ onCancel, sending, testid, label = 'Save', busyLabel = 'Saving…' }: { onCancel: () => void; sending: boolean; testid: string; label?: string; busyLabel?: string }) {
  return (
    <div class="form__actions form__actions--end">
      <button type="button" class="btn" onClick={onCancel}>
        Cancel
      </button>
      <SubmitButton sending={sending} busyLabel={busyLabel} testid={testid}>
        {label}
      </SubmitButton>
    </div>
  );
}
