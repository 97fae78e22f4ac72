import { describe, expect, it } from 'vitest';
import { matchRoute, redirectFor, ROUTES } from '../src/App';
import { href, matchPath, safeNext } from '../src/router';
import type { Session } from '../src/session';

const anon: Session = { status: 'anon' };
const authed: Session = {
  status: 'authed',
  me: { id: 'u', email: 'a@example.com', name: 'A', created_at: '2024-01-01T00:00:00Z', groups: [] },
};

describe('routes', () => {
  it('has one screen per required path', () => {
    expect(ROUTES.map((r) => r.path).sort()).toEqual(
      [
        '/_local',
        '/admin/users',
        '/campaigns',
        '/campaigns/:id',
        '/unsubscribe/:token',
        '/confirm',
        '/cost',
        '/keys',
        '/lists',
        '/lists/:id',
        '/login',
        '/profile',
        '/signup',
        '/suppression',
        '/webhooks',
        '/segments',
        '/segments/:id',
        '/templates',
        '/templates/:id',
        '/preferences/:token',
      ].sort(),
    );
  });

  it('opens the cost calculator to anyone, logged in or not', () => {
    expect(redirectFor('/cost', '', anon)).toBeNull();
    expect(redirectFor('/cost', '', authed)).toBeNull();
  });

  it('opens the preference centre without a login, and keeps segments private', () => {
    expect(redirectFor('/preferences/abc.def', '', anon)).toBeNull();
    expect(redirectFor('/preferences/abc.def', '', authed)).toBeNull();
    expect(redirectFor('/segments/new', '', anon)).toBe('/login?next=%2Fsegments%2Fnew');
    expect(redirectFor('/webhooks', '', anon)).toBe('/login?next=%2Fwebhooks');
  });

  it('sends logged-out people from private screens to log in, remembering where they were', () => {
    expect(redirectFor('/profile', '', anon)).toBe('/login?next=%2Fprofile');
    expect(redirectFor('/admin/users', '?x=1', anon)).toBe('/login?next=%2Fadmin%2Fusers%3Fx%3D1');
    expect(redirectFor('/lists', '', anon)).toBe('/login?next=%2Flists');
  });

  it('sends logged-in people away from log in / sign up', () => {
    expect(redirectFor('/login', '', authed)).toBe('/profile');
    expect(redirectFor('/signup', '', authed)).toBe('/profile');
    expect(redirectFor('/profile', '', authed)).toBeNull();
    expect(redirectFor('/login', '', anon)).toBeNull();
  });

  it('picks a home for "/" and strips trailing slashes; waits while loading', () => {
    expect(redirectFor('/', '', anon)).toBe('/login');
    expect(redirectFor('/', '', authed)).toBe('/profile');
    expect(redirectFor('/profile/', '?a=1', authed)).toBe('/profile?a=1');
    expect(redirectFor('/profile', '', { status: 'loading' })).toBeNull();
    expect(redirectFor('/nowhere', '', anon)).toBeNull(); // not found screen
  });
});

describe('router helpers', () => {
  it('href drops empty query values', () => {
    expect(href('/login', { email: 'a@b.co', confirmed: '1', next: null })).toBe('/login?email=a%40b.co&confirmed=1');
    expect(href('/x')).toBe('/x');
  });
  it('safeNext only allows paths of this app', () => {
    expect(safeNext('/admin/users', '/profile')).toBe('/admin/users');
    expect(safeNext('//evil.example.com', '/profile')).toBe('/profile');
    expect(safeNext('https://evil.example.com', '/profile')).toBe('/profile');
    expect(safeNext(null, '/profile')).toBe('/profile');
    expect(safeNext('/\\evil.example.com', '/profile')).toBe('/profile');
  });
});

describe('routes with parameters', () => {
  it('matchPath reads :params and decodes them', () => {
    expect(matchPath('/lists/:id', '/lists/01abc')).toEqual({ id: '01abc' });
    expect(matchPath('/lists/:id', '/lists/a%2Fb')).toEqual({ id: 'a/b' });
    expect(matchPath('/lists/:id', '/lists')).toBeNull();
    expect(matchPath('/lists/:id', '/lists/')).toBeNull();
    expect(matchPath('/lists/:id', '/lists/x/y')).toBeNull();
    expect(matchPath('/lists', '/lists')).toEqual({});
    expect(matchPath('/lists/:id', '/lists/%E0%A4%A')).toBeNull(); // broken escape
  });

  it('matchRoute finds the list page and the console', () => {
    expect(matchRoute('/lists/abc')?.route.path).toBe('/lists/:id');
    expect(matchRoute('/lists/abc')?.params).toEqual({ id: 'abc' });
    expect(matchRoute('/lists')?.route.path).toBe('/lists');
    expect(matchRoute('/_local')?.route.path).toBe('/_local');
    expect(matchRoute('/nope')).toBeNull();
  });

  it('guards the list page like other private screens; the console is open to anyone', () => {
    expect(redirectFor('/lists/abc', '', anon)).toBe('/login?next=%2Flists%2Fabc');
    expect(redirectFor('/lists/abc', '', authed)).toBeNull();
    expect(redirectFor('/suppression', '', anon)).toBe('/login?next=%2Fsuppression');
    expect(redirectFor('/_local', '?tab=outbox', anon)).toBeNull();
    expect(redirectFor('/_local', '', authed)).toBeNull();
  });
});
