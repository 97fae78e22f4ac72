import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type AdminUser } from '../api';
import { Badge } from '../components/Badges';
import { DataTable, type Column } from '../components/DataTable';
import { FormError } from '../components/FormError';
import { Page } from '../components/Page';
import { isAdmin, useSession } from '../session';
import { Time } from '../components/Time';

export const PAGE_SIZE = 25;

const COLUMNS: Column<AdminUser>[] = [
  { header: 'Email', class: 'cell--strong', cell: (u) => u.email },
  { header: 'Name', cell: (u) => u.name || <span class="muted">—</span> },
  { header: 'Status', cell: (u) => <Badge tone={u.status === 'CONFIRMED' ? 'ok' : 'muted'}>{cognitoStatusLabel(u.status)}</Badge> },
  { header: 'Enabled', cell: (u) => (u.enabled ? 'Yes' : <Badge tone="warn">Disabled</Badge>) },
  { header: 'Created', cell: (u) => <Time at={u.created_at} date /> },
];

export function AdminUsersScreen() {
  const session = useSession();
  const admin = session.status === 'authed' && isAdmin(session.me);
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async (from: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api.listUsers({ limit: PAGE_SIZE, cursor: from });
      setUsers((prev) => (from ? [...prev, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setLoaded(true);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    if (admin) void load(null);
  }, [admin, load]);

  if (!admin) {
    return (
      <Page title="Users">
        <div class="card" data-testid="admin-users-forbidden">
          <p>Only administrators can see the list of users.</p>
        </div>
      </Page>
    );
  }

  return (
    <Page title="Users">
      <FormError error={error} testid="admin-users-error" />
      {!loaded && loading && (
        <p class="loading" role="status">
          Loading users…
        </p>
      )}
      {loaded && (
        <div class="card card--flush">
          <DataTable
            columns={COLUMNS}
            rows={users}
            label="Users"
            testid="admin-users-table"
            rowTestid="admin-users-row"
            empty="No users yet."
            responsive={false}
            caption="All users, newest pages loaded on request"
          />
          <div class="table-footer">
            <span class="muted" data-testid="admin-users-count" aria-live="polite">
              {users.length} {users.length === 1 ? 'user' : 'users'} shown
            </span>
            {cursor && (
              <button
                type="button"
                class="btn"
                onClick={() => void load(cursor)}
                disabled={loading}
                data-testid="admin-users-more"
              >
                {loading ? 'Loading…' : 'Load more'}
              </button>
            )}
          </div>
        </div>
      )}
    </Page>
  );
}

/** Cognito's statuses, in words. */
function cognitoStatusLabel(status: string): string {
  switch (status) {
    case 'CONFIRMED':
      return 'Confirmed';
    case 'UNCONFIRMED':
      return 'Unconfirmed';
    case 'FORCE_CHANGE_PASSWORD':
      return 'Must change password';
    case 'RESET_REQUIRED':
      return 'Reset required';
    default:
      return status ? status.charAt(0) + status.slice(1).toLowerCase().replace(/_/g, ' ') : 'Unknown';
  }
}
