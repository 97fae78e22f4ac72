import { Page } from '../components/Page';
import { Link } from '../router';

export function NotFoundScreen() {
  return (
    <Page title="Page not found">
      <div class="card" data-testid="not-found">
        <p>There is nothing at this address.</p>
        <p>
          <Link href="/">Go to the start page</Link>
        </p>
      </div>
    </Page>
  );
}
