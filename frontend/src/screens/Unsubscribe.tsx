import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type UnsubscribeInfo } from '../api';
import { errorMessage } from '../components/FormError';
import { Page } from '../components/Page';
import { useSubmit } from '../hooks/useSubmit';

const MESSAGES: Record<string, string> = {
  invalid_unsubscribe_link:
    'This unsubscribe link is not valid: it may have been cut short or changed, or it has expired. Use the link from a more recent email, or reply to the sender.',
  not_found: 'This unsubscribe link is not valid.',
  http_404: 'This unsubscribe link is not valid: it may have been cut short or changed, or it has expired.',
  validation_error: 'This unsubscribe link is not valid: it may have been cut short or changed.',
  http_422: 'This unsubscribe link is not valid: it may have been cut short or changed.',
};

/** Words for a failed unsubscribe call (an altered or expired link answers 404). */
export function unsubscribeErrorText(err: unknown): string {
  if (err instanceof ApiError && err.status === 404) return MESSAGES.invalid_unsubscribe_link!;
  return errorMessage(err, MESSAGES);
}

/** The public page behind {{ unsubscribe_url }}: no login, the signed link is the credential. */
export function UnsubscribeScreen({ params }: { params: Record<string, string> }) {
  const token = params.token ?? '';
  const [info, setInfo] = useState<UnsubscribeInfo | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const act = useSubmit<never, true>();
  const done = act.result === true;
  const error = act.error ?? loadError;

  useEffect(() => {
    let cancelled = false;
    api
      .getUnsubscribe(token)
      .then((i) => {
        if (!cancelled) setInfo(i);
      })
      .catch((err: unknown) => {
        if (!cancelled) setLoadError(err);
      });
    return () => {
      cancelled = true;
    };
  }, [token]);

  const onUnsubscribe = act.handler({
    send: async () => {
      setInfo(await api.unsubscribe(token));
      return true;
    },
  });

  return (
    <Page title="Unsubscribe" narrow>
      <div class="card form">
        {!info && !error && (
          <p class="loading" role="status">
            Checking the link…
          </p>
        )}
        {error !== null && (
          <div class="alert alert--error" role="alert" data-testid="unsubscribe-error">
            <p>{unsubscribeErrorText(error)}</p>
          </div>
        )}
        {info && (
          <>
            <p>
              Email address: <strong data-testid="unsubscribe-email">{info.email}</strong>
            </p>
            <p>
              List: <strong data-testid="unsubscribe-list">{info.list_name}</strong>
            </p>
            {done || info.status === 'unsubscribed' ? (
              <div class="alert alert--info" role="status" data-testid="unsubscribe-done">
                <p>
                  {done ? 'You are unsubscribed.' : 'This address is already unsubscribed.'} {info.email} will get no more emails from{' '}
                  {info.list_name}.
                </p>
              </div>
            ) : (
              <div class="form__actions">
                <button type="button" class="btn btn--primary" onClick={onUnsubscribe} disabled={act.sending} data-testid="unsubscribe-submit">
                  {act.sending ? 'Unsubscribing…' : 'Unsubscribe'}
                </button>
              </div>
            )}
          </>
        )}
      </div>
    </Page>
  );
}
