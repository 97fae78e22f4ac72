import type { ComponentChildren } from 'preact';
import { ApiError } from '../api';
import { Link } from '../router';
import { FormError } from './FormError';
import { Page } from './Page';

export interface DetailPageProps {
  /** what the page shows one of; its test ids are `<thing>-back`, `-load-error`, `-not-found` */
  thing: 'list' | 'campaign' | 'segment' | 'template';
  /** its name once loaded, else null */
  name: string | null;
  loadError: unknown;
  children: ComponentChildren;
}

/**
 * The page of one list or campaign: the way back to all of them, the load error or "Loading…",
 * then the content; a page saying it is gone when the API answers 404.
 */
export function DetailPage({ thing, name, loadError, children }: DetailPageProps) {
  const title = thing.charAt(0).toUpperCase() + thing.slice(1);
  const all = `/${thing}s`;
  if (loadError instanceof ApiError && loadError.status === 404) {
    return (
      <Page title={`${title} not found`}>
        <div class="card" data-testid={`${thing}-not-found`}>
          <p>This {thing} does not exist, or it was deleted.</p>
          <p>
            <Link href={all}>Back to your {thing}s</Link>
          </p>
        </div>
      </Page>
    );
  }
  return (
    <Page title={name ?? title}>
      <p class="crumbs">
        <Link href={all} data-testid={`${thing}-back`}>
          <span aria-hidden="true">←</span> All {thing}s
        </Link>
      </p>
      <FormError error={loadError} testid={`${thing}-load-error`} />
      {name === null && !loadError && (
        <p class="loading" role="status">
          Loading the {thing}…
        </p>
      )}
      {children}
    </Page>
  );
}
