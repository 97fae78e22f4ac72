import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getConfig } from './config';
import { href, Link, matchPath, navigate, useLocation } from './router';
import { AdminUsersScreen } from './screens/AdminUsers';
import { ApiKeysScreen } from './screens/ApiKeys';
import { CampaignDetailScreen } from './screens/campaign';
import { CampaignsScreen } from './screens/Campaigns';
import { ConfirmScreen } from './screens/Confirm';
import { ConsoleScreen } from './screens/console';
import { CostScreen } from './screens/cost';
import { ListDetailScreen } from './screens/list';
import { ListsScreen } from './screens/Lists';
import { LoginScreen } from './screens/Login';
import { NotFoundScreen } from './screens/NotFound';
import { PreferencesScreen } from './screens/Preferences';
import { ProfileScreen } from './screens/Profile';
import { SegmentScreen } from './screens/segment';
import { SegmentsScreen } from './screens/Segments';
import { SignupScreen } from './screens/Signup';
import { SuppressionScreen } from './screens/Suppression';
import { TemplateScreen } from './screens/template';
import { TemplatesScreen } from './screens/Templates';
import { WebhooksScreen } from './screens/Webhooks';
import { UnsubscribeScreen } from './screens/Unsubscribe';
import { isAdmin, logOut, useSession, type Session } from './session';

/** who may see a route: only logged-out people, only logged-in ones, or anyone */
type Access = 'anon' | 'private' | 'any';

interface Route {
  /** a path, or a pattern with `:name` segments */
  path: string;
  access: Access;
  screen: ComponentType<{ params: Record<string, string> }>;
}

/** One screen module per route; add new screens here and in the nav. */
export const ROUTES: Route[] = [
  { path: '/signup', access: 'anon', screen: SignupScreen },
  { path: '/confirm', access: 'any', screen: ConfirmScreen },
  { path: '/login', access: 'anon', screen: LoginScreen },
  { path: '/profile', access: 'private', screen: ProfileScreen },
  { path: '/admin/users', access: 'private', screen: AdminUsersScreen },
  { path: '/lists', access: 'private', screen: ListsScreen },
  { path: '/lists/:id', access: 'private', screen: ListDetailScreen },
  { path: '/suppression', access: 'private', screen: SuppressionScreen },
  { path: '/webhooks', access: 'private', screen: WebhooksScreen },
  { path: '/segments', access: 'private', screen: SegmentsScreen },
  { path: '/segments/:id', access: 'private', screen: SegmentScreen },
  { path: '/campaigns', access: 'private', screen: CampaignsScreen },
  { path: '/campaigns/:id', access: 'private', screen: CampaignDetailScreen },
  { path: '/keys', access: 'private', screen: ApiKeysScreen },
  { path: '/templates', access: 'private', screen: TemplatesScreen },
  { path: '/templates/:id', access: 'private', screen: TemplateScreen },
  // the public page behind {{ unsubscribe_url }} (no login: the signed token is the credential)
  { path: '/unsubscribe/:token', access: 'any', screen: UnsubscribeScreen },
  // the preference centre behind {{ preferences_url }} (no login either)
  { path: '/preferences/:token', access: 'any', screen: PreferencesScreen },
  // the local runner's dev console (its data routes are /_local/*, unauthenticated, local only)
  { path: '/_local', access: 'any', screen: ConsoleScreen },
  // what Herald costs in AWS: public, computed in the browser
  { path: '/cost', access: 'any', screen: CostScreen },
];

/** The route for a path, with its parameters. */
export function matchRoute(path: string): { route: Route; params: Record<string, string> } | null {
  for (const route of ROUTES) {
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return null;
}

const HOME_AUTHED = '/profile';
const HOME_ANON = '/login';

function normalize(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** Where a location must go instead, or null to show it. */
export function redirectFor(path: string, search: string, session: Session): string | null {
  if (session.status === 'loading') return null;
  const authed = session.status === 'authed';
  const p = normalize(path);
  if (p === '/') return authed ? HOME_AUTHED : HOME_ANON;
  if (p !== path) return p + search;
  const route = matchRoute(p)?.route;
  if (!route) return null;
  if (route.access === 'private' && !authed) return href(HOME_ANON, { next: p + search });
  if (route.access === 'anon' && authed) return HOME_AUTHED;
  return null;
}

export function App() {
  const loc = useLocation();
  const session = useSession();
  const search = loc.query.toString() ? `?${loc.query.toString()}` : '';
  const target = redirectFor(loc.path, search, session);

  useEffect(() => {
    if (target) navigate(target, { replace: true });
  }, [target]);

  const match = matchRoute(loc.path);
  const Screen = match?.route.screen ?? NotFoundScreen;

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header path={loc.path} session={session} />
      <main id="main" class="main" tabIndex={-1}>
        {session.status === 'loading' || target ? (
          <p class="loading" role="status" data-testid="app-loading">
            Loading…
          </p>
        ) : (
          <Screen params={match?.params ?? {}} key={loc.path} />
        )}
      </main>
    </>
  );
}

function NavLink({ to, path, testid, soon, label }: { to: string; path: string; testid: string; soon?: boolean; label: string }) {
  const current = path === to || path.startsWith(`${to}/`);
  return (
    <li>
      <Link href={to} class="nav__link" aria-current={current ? 'page' : undefined} data-testid={testid}>
        {label}
        {soon && (
          <span class="soon" data-testid={`${testid}-soon`}>
            <span class="visually-hidden"> (</span>coming soon<span class="visually-hidden">)</span>
          </span>
        )}
      </Link>
    </li>
  );
}

function Header({ path, session }: { path: string; session: Session }) {
  const [leaving, setLeaving] = useState(false);
  const stage = getConfig().stage;
  const local = stage === 'local';
  const authed = session.status === 'authed';

  async function onLogout() {
    setLeaving(true);
    try {
      await logOut();
    } finally {
      setLeaving(false);
    }
  }

  return (
    <header class="topbar">
      <div class="topbar__inner">
        <Link href="/" class="brand" aria-label="Herald home">
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <path d="M3 10v4h3l5 4V6L6 10H3zm13.5 2a4.5 4.5 0 0 0-2.5-4v8a4.5 4.5 0 0 0 2.5-4z" fill="currentColor" />
          </svg>
          Herald
          {stage !== 'prod' && stage !== 'unknown' && (
            <span class="stage" title="Deployment stage">
              {stage}
            </span>
          )}
        </Link>
        {session.status !== 'loading' && (
          <nav aria-label="Main" class="nav">
            <ul>
              {authed ? (
                <>
                  <NavLink to="/profile" path={path} testid="nav-profile" label="My profile" />
                  <NavLink to="/lists" path={path} testid="nav-lists" label="Lists" />
                  <NavLink to="/segments" path={path} testid="nav-segments" label="Segments" />
                  <NavLink to="/suppression" path={path} testid="nav-suppression" label="Suppression" />
                  <NavLink to="/campaigns" path={path} testid="nav-campaigns" label="Campaigns" />
                  <NavLink to="/keys" path={path} testid="nav-keys" label="API keys" />
                  <NavLink to="/templates" path={path} testid="nav-templates" label="Templates" />
                  <NavLink to="/webhooks" path={path} testid="nav-webhooks" label="Webhooks" />
                  {isAdmin(session.me) && (
                    <NavLink to="/admin/users" path={path} testid="nav-admin-users" label="Users" />
                  )}
                  {local && <NavLink to="/_local" path={path} testid="nav-console" label="Console" />}
                  <li class="nav__end">
                    <span class="nav__who" data-testid="nav-user">
                      {session.me.name || session.me.email}
                    </span>
                    <button type="button" class="btn btn--ghost" onClick={onLogout} disabled={leaving} data-testid="nav-logout">
                      {leaving ? 'Logging out…' : 'Log out'}
                    </button>
                  </li>
                </>
              ) : (
                <>
                  <NavLink to="/login" path={path} testid="nav-login" label="Log in" />
                  <NavLink to="/signup" path={path} testid="nav-signup" label="Sign up" />
                  {local && <NavLink to="/_local" path={path} testid="nav-console" label="Console" />}
                </>
              )}
            </ul>
          </nav>
        )}
      </div>
    </header>
  );
}
