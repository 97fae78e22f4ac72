import { Page } from '../components/Page';

/** Placeholder for a screen that is routed but not built yet. */
export function ComingSoonScreen({ title }: { title: string }) {
  return (
    <Page title={title}>
      <div class="card" data-testid="coming-soon">
        <p>This screen is coming soon.</p>
      </div>
    </Page>
  );
}
