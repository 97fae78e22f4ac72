/**
 * Typed client for the Herald HTTP API (docs/CONTRACT.md).
 *
 * - The access token lives in memory only (this module); the refresh token is
 *   an httpOnly cookie the API sets on /api/auth/* and the browser sends back.
 * - A private request that answers 401 triggers one `POST /auth/refresh`
 *   (shared by every request that fails at the same time), then is retried
 *   once with the new token. If the refresh fails the session is lost and the
 *   `onAuthLost` listeners are told.
 * - Every failure is an `ApiError` with the contract's {code, message, details}.
 */
import type { components } from './generated/openapi';

// ---------------------------------------------------------------- types

// The payloads are generated from the API's OpenAPI schema (npm run api-types); the names
// below are the client's words for them. A request body's defaulted fields are optional.
type Schemas = components['schemas'];
type Body<K extends keyof Schemas> = Schemas[K];

export type SignupResponse = Schemas['SignUpResponse'];
export type TokenResponse = Schemas['TokenResponse'];
export type Me = Schemas['Me'];
export type AdminUser = Schemas['UserSummary'];
export type Health = Schemas['Health'];

/** One page of a cursor-paged route. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type ContactList = Schemas['ContactList'];
export type Subscriber = Schemas['Subscriber'];
export type SubscriberStatus = Subscriber['status'];

export const SUBSCRIBER_STATUSES: readonly SubscriberStatus[] = ['subscribed', 'unconfirmed', 'unsubscribed', 'bounced', 'complained'];
/** What an owner may move a subscriber to (`unconfirmed` is only where one starts). */
export type SettableStatus = Exclude<SubscriberStatus, 'unconfirmed'>;
export const SETTABLE_STATUSES: readonly SettableStatus[] = ['subscribed', 'unsubscribed', 'bounced', 'complained'];
export type ConfirmationTemplate = Schemas['ConfirmationTemplate'];

export type SignupForm = Schemas['SignupForm'];
export type FormField = Schemas['FormField'];
export type FormCreate = Body<'FormCreate'>;
export type FormEmbed = Schemas['FormEmbed'];

export type Segment = Schemas['Segment'];
export type SegmentRule = Schemas['Rule'];
export type SegmentCondition = NonNullable<SegmentRule['conditions']>[number];
export type SegmentPreview = Schemas['SegmentPreview'];

export type Template = Schemas['Template'];
export type TemplateSummary = Schemas['TemplateSummary'];
export type TemplateBody = Body<'TemplateBody'>;
export type TxMessage = Schemas['TxMessage'];

export type Preferences = Schemas['Preferences'];
export type PreferencesUpdate = Body<'PreferencesUpdate'>;
export type Erased = Schemas['Erased'];

/** A CSV export job: queued, running, then ready (with a short-lived `download_url`) or failed. */
export type Export = Schemas['Export'];
export type ExportKind = Export['kind'];

export type ApiKey = Schemas['ApiKey'];
export type ApiKeyCreated = Schemas['ApiKeyCreated'];
export type ApiKeyScope = ApiKey['scope'];

export type Suppression = Schemas['Suppression'];

export type WebhookEndpoint = Schemas['Endpoint'];
export type WebhookEndpointWithSecret = Schemas['EndpointWithSecret'];
export type WebhookEventType = WebhookEndpoint['event_types'][number];
export type WebhookDelivery = Schemas['Delivery'];
export type SuppressionReason = Suppression['reason'];

export type ImportJob = Schemas['ImportJob'];
export type ImportStatus = ImportJob['status'];
/** A presigned S3 POST: every entry of `fields` first, then the file as `file`. */
export type UploadForm = Schemas['UploadForm'];
export type ImportStarted = Schemas['ImportStarted'];
export type ReportLink = Schemas['ReportLink'];

export type Campaign = Schemas['Campaign'];
export type CampaignStatus = Campaign['status'];
export type CampaignStats = Schemas['CampaignStats'];
/** A status and when it was reached; a status pushed by a newer backend than this build still shows. */
export type TimelineEntry = Omit<Schemas['StatusChange'], 'status'> & { status: CampaignStatus | string };
export type CampaignSummary = Schemas['CampaignSummary'];
export type CampaignPreview = Schemas['Preview'];
export type Recipient = Schemas['Recipient'];
/** What the recipients route's `status` keeps: one status, or those who opened or clicked. */
export type RecipientFilter = Recipient['status'] | 'opened' | 'clicked';
export type LinkList = Schemas['LinkList'];
export type LinkStats = Schemas['LinkStats'];
export type EngagementHour = Schemas['EngagementHour'];
export type CampaignActivity = Schemas['CampaignActivity'];
export type ActivityEvent = Schemas['ActivityEvent'];
export type TestSent = Schemas['TestSent'];

export type UnsubscribeInfo = Schemas['UnsubscribeStatus'];

export interface PageParams {
  limit?: number;
  cursor?: string | null;
}

export interface SearchParams extends PageParams {
  email_prefix?: string;
}

type QueryValues = Record<string, string | number | null | undefined>;

/** "?limit=..&cursor=.." from the values that are set. */
export function queryString(params: QueryValues): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The query of one page of a paged route: `first` (a filter), then limit and cursor. */
function pageQuery(p: PageParams, first: QueryValues = {}): string {
  return queryString({ ...first, limit: p.limit, cursor: p.cursor });
}

/** One path segment (list id, email) safely encoded. */
const seg = (v: string): string => encodeURIComponent(v);

/** One entry of `error.details`: FastAPI/pydantic style, or anything else the server sends. */
export type ErrorDetail = unknown;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status; 0 when the server could not be reached */
    readonly status: number,
    /** Machine-readable code from the contract (e.g. "user_exists"), or a client one */
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] | null = null,
    /** X-Correlation-Id of the response, to find the request in the logs */
    readonly correlationId: string | null = null,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------- error parsing

const STATUS_MESSAGES: Record<number, string> = {
  400: 'The request was not accepted.',
  401: 'Please log in again.',
  403: 'You do not have access to this.',
  404: 'Not found.',
  409: 'That conflicts with the current state.',
  422: 'Some of the values are not valid.',
  429: 'Too many attempts. Wait a moment and try again.',
};

function genericMessage(status: number): string {
  if (STATUS_MESSAGES[status]) return STATUS_MESSAGES[status];
  if (status >= 500) return 'Something went wrong on our side. Please try again.';
  return `The request failed (HTTP ${status}).`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Turn a failed Response into an ApiError. Understands the contract's
 * `{"error": {code, message, details}}`, FastAPI's default `{"detail": ...}`,
 * and falls back to a generic message for non-JSON bodies (e.g. a proxy's
 * HTML 502 page).
 */
export async function parseError(res: Response): Promise<ApiError> {
  const correlationId = res.headers.get('x-correlation-id');
  let body: unknown = null;
  try {
    const text = await res.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (isRecord(body) && isRecord(body.error)) {
    const e = body.error;
    const code = typeof e.code === 'string' && e.code ? e.code : `http_${res.status}`;
    const message = typeof e.message === 'string' && e.message ? e.message : genericMessage(res.status);
    const details = Array.isArray(e.details) ? e.details : null;
    return new ApiError(res.status, code, message, details, correlationId);
  }
  if (isRecord(body) && 'detail' in body) {
    const d = body.detail;
    if (typeof d === 'string') return new ApiError(res.status, `http_${res.status}`, d, null, correlationId);
    if (Array.isArray(d)) {
      return new ApiError(res.status, 'validation_error', genericMessage(res.status), d, correlationId);
    }
  }
  return new ApiError(res.status, `http_${res.status}`, genericMessage(res.status), null, correlationId);
}

/**
 * Map `details` entries to form fields: `{loc: ["body","email"], msg}` →
 * `{email: msg}`; `{field, message}` is understood too. Unknown shapes are
 * ignored (the top-level message is still shown).
 */
export function fieldErrorsFromDetails(details: ErrorDetail[] | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of details ?? []) {
    if (!isRecord(d)) continue;
    let field: unknown = d.field;
    if (field === undefined && Array.isArray(d.loc) && d.loc.length > 0) field = d.loc[d.loc.length - 1];
    const msg = typeof d.msg === 'string' ? d.msg : typeof d.message === 'string' ? d.message : null;
    if (typeof field === 'string' && msg && !out[field]) out[field] = msg;
  }
  return out;
}

export const NETWORK_ERROR_MESSAGE = 'Cannot reach the server. Check your connection and try again.';

// ---------------------------------------------------------------- client

export interface ApiClientOptions {
  /** e.g. "/api" */
  baseUrl: string;
  fetch?: typeof fetch;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

interface RequestOptions {
  body?: unknown;
  /** send the Bearer token and refresh it on a 401 (private routes) */
  auth?: boolean;
  /** send the Bearer token if there is one, but never refresh (logout) */
  sendToken?: boolean;
  signal?: AbortSignal;
}

export type ApiClient = ReturnType<typeof createApi>;

export function createApi(options: ApiClientOptions) {
  let baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch: typeof fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
  let accessToken: string | null = null;
  let refreshing: Promise<boolean> | null = null;
  const tokenListeners = new Set<(token: string | null) => void>();
  const authLostListeners = new Set<() => void>();

  function setAccessToken(token: string | null): void {
    if (token === accessToken) return;
    accessToken = token;
    for (const l of tokenListeners) l(token);
  }

  async function send(method: Method, path: string, opts: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if ((opts.auth || opts.sendToken) && accessToken) headers.Authorization = `Bearer ${accessToken}`;
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
    if (opts.signal) init.signal = opts.signal;
    try {
      return await doFetch(`${baseUrl}${path}`, init);
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(0, 'network_error', NETWORK_ERROR_MESSAGE);
    }
  }

  async function readJson<T>(res: Response): Promise<T> {
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Ask for a new access token with the refresh cookie. Concurrent callers
   * share one request. Resolves true when a new token is in memory, false
   * when the server says there is no session (401); throws ApiError for
   * anything else (network down, 5xx) so a blip does not log the person out.
   */
  function refresh(): Promise<boolean> {
    if (!refreshing) {
      refreshing = (async () => {
        const res = await send('POST', '/auth/refresh', {});
        if (res.ok) {
          const tok = await readJson<TokenResponse>(res);
          setAccessToken(tok.access_token);
          return true;
        }
        if (res.status === 401 || res.status === 403) {
          setAccessToken(null);
          return false;
        }
        throw await parseError(res);
      })().finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  }

  function authLost(): void {
    setAccessToken(null);
    for (const l of authLostListeners) l();
  }

  async function request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
    return readJson<T>(await fetchOk(method, path, opts));
  }

  /** The response of a request that succeeded, after the token dance of private routes. */
  async function fetchOk(method: Method, path: string, opts: RequestOptions): Promise<Response> {
    if (opts.auth && !accessToken) {
      // No token in memory (e.g. first call after a reload): try the cookie first.
      if (!(await refresh())) {
        authLost();
        throw new ApiError(401, 'not_authenticated', genericMessage(401));
      }
    }
    const tokenUsed = accessToken;
    let res = await send(method, path, opts);
    if (res.status === 401 && opts.auth) {
      const firstError = await parseError(res);
      // Another request may have refreshed meanwhile: then just retry with its token.
      const fresh = accessToken !== null && accessToken !== tokenUsed;
      if (!fresh && !(await refresh())) {
        authLost();
        throw firstError;
      }
      res = await send(method, path, opts);
      if (res.status === 401) {
        const err = await parseError(res);
        authLost();
        throw err;
      }
    }
    if (!res.ok) throw await parseError(res);
    return res;
  }

  return {
    configure(next: { baseUrl: string }): void {
      baseUrl = next.baseUrl.replace(/\/+$/, '');
    },
    getAccessToken: (): string | null => accessToken,
    setAccessToken,
    /** Called with the new token whenever it changes (null on logout / loss). */
    onTokenChange(listener: (token: string | null) => void): () => void {
      tokenListeners.add(listener);
      return () => tokenListeners.delete(listener);
    },
    /** Called when a private request found the session gone (refresh failed). */
    onAuthLost(listener: () => void): () => void {
      authLostListeners.add(listener);
      return () => authLostListeners.delete(listener);
    },
    refresh,

    health: () => request<Health>('GET', '/health'),

    signup: (body: Body<'SignUpRequest'>) =>
      request<SignupResponse>('POST', '/auth/signup', { body }),

    confirm: (body: Body<'ConfirmRequest'>) => request<SignupResponse>('POST', '/auth/confirm', { body }),

    async login(body: Body<'LoginRequest'>): Promise<TokenResponse> {
      const tok = await request<TokenResponse>('POST', '/auth/login', { body });
      setAccessToken(tok.access_token);
      return tok;
    },

    /** Clears the cookie on the server; the in-memory token is dropped even if that call fails. */
    async logout(): Promise<void> {
      try {
        await request<void>('POST', '/auth/logout', { sendToken: true });
      } finally {
        setAccessToken(null);
      }
    },

    getMe: (signal?: AbortSignal) => request<Me>('GET', '/me', { auth: true, signal }),

    updateMe: (body: Body<'ProfileUpdate'>) => request<Me>('PATCH', '/me', { auth: true, body }),

    listUsers: (p: PageParams = {}) => request<Page<AdminUser>>('GET', `/admin/users${pageQuery(p)}`, { auth: true }),

    // ------------------------------------------------------------ lists

    listLists: (p: PageParams = {}) =>
      request<Page<ContactList>>('GET', `/lists${pageQuery(p)}`, { auth: true }),

    getList: (id: string) => request<ContactList>('GET', `/lists/${seg(id)}`, { auth: true }),

    createList: (body: Body<'ListCreate'>) =>
      request<ContactList>('POST', '/lists', { auth: true, body }),

    updateList: (id: string, body: Body<'ListUpdate'>) =>
      request<ContactList>('PATCH', `/lists/${seg(id)}`, { auth: true, body }),

    deleteList: (id: string) => request<void>('DELETE', `/lists/${seg(id)}`, { auth: true }),

    // ------------------------------------------------------------ subscribers

    listSubscribers: (listId: string, p: SearchParams = {}) =>
      request<Page<Subscriber>>(
        'GET',
        `/lists/${seg(listId)}/subscribers${pageQuery(p, { email_prefix: p.email_prefix })}`,
        { auth: true },
      ),

    addSubscriber: (
      listId: string,
      body: Body<'SubscriberCreate'>,
    ) => request<Subscriber>('POST', `/lists/${seg(listId)}/subscribers`, { auth: true, body }),

    updateSubscriber: (
      listId: string,
      email: string,
      body: Body<'SubscriberUpdate'>,
    ) => request<Subscriber>('PATCH', `/lists/${seg(listId)}/subscribers/${seg(email)}`, { auth: true, body }),

    removeSubscriber: (listId: string, email: string) =>
      request<void>('DELETE', `/lists/${seg(listId)}/subscribers/${seg(email)}`, { auth: true }),

    // ------------------------------------------------------------ sign-up forms

    listForms: (listId: string, p: PageParams = {}) =>
      request<Page<SignupForm>>('GET', `/forms${pageQuery(p, { list_id: listId })}`, { auth: true }),

    createForm: (body: FormCreate) => request<SignupForm>('POST', '/forms', { auth: true, body }),

    updateForm: (id: string, body: Body<'FormUpdate'>) => request<SignupForm>('PATCH', `/forms/${seg(id)}`, { auth: true, body }),

    deleteForm: (id: string) => request<void>('DELETE', `/forms/${seg(id)}`, { auth: true }),

    /** The hosted page's URL and the snippet, built on `origin` when the server has no site URL. */
    formEmbed: (id: string, origin: string) =>
      request<FormEmbed>('GET', `/forms/${seg(id)}/embed${queryString({ origin })}`, { auth: true }),

    // ------------------------------------------------------------ segments

    listSegments: (p: PageParams = {}) =>
      request<Page<Segment>>('GET', `/segments${pageQuery(p)}`, { auth: true }),

    getSegment: (id: string) => request<Segment>('GET', `/segments/${seg(id)}`, { auth: true }),

    createSegment: (body: Body<'SegmentCreate'>) => request<Segment>('POST', '/segments', { auth: true, body }),

    updateSegment: (id: string, body: Body<'SegmentUpdate'>) =>
      request<Segment>('PATCH', `/segments/${seg(id)}`, { auth: true, body }),

    deleteSegment: (id: string) => request<void>('DELETE', `/segments/${seg(id)}`, { auth: true }),

    /** One bounded step of counting a rule's matches (pass `next_cursor` back for the next). */
    previewSegment: (body: Body<'SegmentPreviewRequest'>, signal?: AbortSignal) =>
      request<SegmentPreview>('POST', '/segments/preview', { auth: true, body, signal }),

    // ------------------------------------------------------------ exports

    /** Start exporting a list, a segment or a campaign's recipients as CSV (a job; 429 while busy). */
    createExport: (kind: ExportKind, id: string) => request<Export>('POST', '/exports', { auth: true, body: { kind, id } }),

    /** An export's status; once ready, with a five-minute `download_url`. */
    getExport: (id: string) => request<Export>('GET', `/exports/${seg(id)}`, { auth: true }),

    // ------------------------------------------------------------ templates and transactional messages

    listTemplates: (p: PageParams = {}) =>
      request<Page<TemplateSummary>>('GET', `/templates${pageQuery(p)}`, { auth: true }),

    getTemplate: (id: string) => request<Template>('GET', `/templates/${seg(id)}`, { auth: true }),

    createTemplate: (body: TemplateBody) => request<Template>('POST', '/templates', { auth: true, body }),

    replaceTemplate: (id: string, body: TemplateBody) => request<Template>('PUT', `/templates/${seg(id)}`, { auth: true, body }),

    deleteTemplate: (id: string) => request<void>('DELETE', `/templates/${seg(id)}`, { auth: true }),

    /** The stored template rendered with `data` for a sample recipient (422 template_error). */
    previewTemplate: (id: string, data: Record<string, unknown>) =>
      request<CampaignPreview>('POST', `/templates/${seg(id)}/preview`, { auth: true, body: { data } satisfies Body<'TemplatePreviewRequest'> }),

    listTxMessages: (p: PageParams = {}) =>
      request<Page<TxMessage>>('GET', `/tx/messages${pageQuery(p)}`, { auth: true }),

    // ------------------------------------------------------------ suppression

    listSuppressions: (p: SearchParams = {}) =>
      request<Page<Suppression>>(
        'GET',
        `/suppression${pageQuery(p, { email_prefix: p.email_prefix })}`,
        { auth: true },
      ),

    suppress: (body: Body<'SuppressionCreate'>) =>
      request<Suppression>('POST', '/suppression', { auth: true, body }),

    liftSuppression: (email: string) => request<void>('DELETE', `/suppression/${seg(email)}`, { auth: true }),

    // ------------------------------------------------------------ API keys

    /** Every key of the account (at most 20: always one page). */
    listKeys: () => request<Page<ApiKey>>('GET', '/keys', { auth: true }),

    /** A new key; its secret (`key`) is in this answer only. */
    createKey: (body: Body<'ApiKeyCreate'>) => request<ApiKeyCreated>('POST', '/keys', { auth: true, body }),

    revokeKey: (id: string) => request<void>('DELETE', `/keys/${seg(id)}`, { auth: true }),

    // ------------------------------------------------------------ webhooks

    /** Every endpoint (a handful: their number is capped), as one page. */
    listWebhooks: () =>
      request<{ items: WebhookEndpoint[] }>('GET', '/webhooks', { auth: true }).then((r) => ({ ...r, next_cursor: null })),

    /** The answer holds the signing secret, shown this once. */
    createWebhook: (body: Body<'EndpointCreate'>) =>
      request<WebhookEndpointWithSecret>('POST', '/webhooks', { auth: true, body }),

    rotateWebhookSecret: (id: string) =>
      request<WebhookEndpointWithSecret>('POST', `/webhooks/${seg(id)}/secret`, { auth: true }),

    deleteWebhook: (id: string) => request<void>('DELETE', `/webhooks/${seg(id)}`, { auth: true }),

    webhookDeliveries: (id: string) =>
      request<{ items: WebhookDelivery[] }>('GET', `/webhooks/${seg(id)}/deliveries`, { auth: true }),

    sendWebhookTest: (id: string) =>
      request<{ delivery_id: string }>('POST', `/webhooks/${seg(id)}/test`, { auth: true }),

    // ------------------------------------------------------------ imports

    startImport: (listId: string, body: Body<'ImportCreate'> = {}) =>
      request<ImportStarted>('POST', `/lists/${seg(listId)}/imports`, { auth: true, body }),

    listImports: (listId: string, p: PageParams = {}) =>
      request<Page<ImportJob>>('GET', `/lists/${seg(listId)}/imports${pageQuery(p)}`, {
        auth: true,
      }),

    getImport: (id: string, signal?: AbortSignal) =>
      request<ImportJob>('GET', `/imports/${seg(id)}`, { auth: true, signal }),

    importReport: (id: string) => request<ReportLink>('GET', `/imports/${seg(id)}/report`, { auth: true }),

    // ------------------------------------------------------------ campaigns

    listCampaigns: (p: PageParams = {}) =>
      request<Page<CampaignSummary>>('GET', `/campaigns${pageQuery(p)}`, { auth: true }),

    getCampaign: (id: string, signal?: AbortSignal) =>
      request<Campaign>('GET', `/campaigns/${seg(id)}`, { auth: true, signal }),

    createCampaign: (body: Body<'CampaignCreate'>) =>
      request<Campaign>('POST', '/campaigns', { auth: true, body }),

    updateCampaign: (id: string, body: Body<'CampaignUpdate'>) =>
      request<Campaign>('PATCH', `/campaigns/${seg(id)}`, { auth: true, body }),

    deleteCampaign: (id: string) => request<void>('DELETE', `/campaigns/${seg(id)}`, { auth: true }),

    previewCampaign: (id: string, body: Body<'PreviewRequest'> = {}, signal?: AbortSignal) =>
      request<CampaignPreview>('POST', `/campaigns/${seg(id)}/preview`, { auth: true, body, signal }),

    testCampaign: (id: string) => request<TestSent>('POST', `/campaigns/${seg(id)}/test`, { auth: true }),

    sendCampaign: (id: string) => request<Campaign>('POST', `/campaigns/${seg(id)}/send`, { auth: true }),

    scheduleCampaign: (id: string, sendAt: string) =>
      request<Campaign>('POST', `/campaigns/${seg(id)}/schedule`, { auth: true, body: { send_at: sendAt } satisfies Body<'ScheduleRequest'> }),

    cancelSchedule: (id: string) => request<Campaign>('DELETE', `/campaigns/${seg(id)}/schedule`, { auth: true }),

    /** sending -> paused: no new batches go out (409 campaign_not_sending otherwise). */
    pauseCampaign: (id: string) => request<Campaign>('POST', `/campaigns/${seg(id)}/pause`, { auth: true }),

    /** paused -> sending: picks up where it stopped (409 campaign_not_paused otherwise). */
    resumeCampaign: (id: string) => request<Campaign>('POST', `/campaigns/${seg(id)}/resume`, { auth: true }),

    campaignStats: (id: string, signal?: AbortSignal) =>
      request<CampaignStats>('GET', `/campaigns/${seg(id)}/stats`, { auth: true, signal }),

    /** A page of recipients; with `status`, only those (or who `opened` / `clicked`): such a page may be short. */
    campaignRecipients: (id: string, p: PageParams = {}, status?: RecipientFilter) =>
      request<Page<Recipient>>('GET', `/campaigns/${seg(id)}/recipients${pageQuery(p, { status })}`, {
        auth: true,
      }),

    /** sent|failed -> queued: the failed recipients are mailed again, once each (409 nothing_to_resend, campaign_not_finished). */
    resendFailed: (id: string) => request<Campaign>('POST', `/campaigns/${seg(id)}/resend-failed`, { auth: true }),

    /** The most clicked links, with clicks and unique clicks. */
    campaignLinks: (id: string) => request<LinkList>('GET', `/campaigns/${seg(id)}/links`, { auth: true }),

    /** Opens and clicks per hour (UTC), oldest first; hours without any are left out. */
    campaignEngagement: (id: string, p: PageParams = {}) =>
      request<Page<EngagementHour>>('GET', `/campaigns/${seg(id)}/engagement${pageQuery(p)}`, {
        auth: true,
      }),

    /** The campaigns mailed to a subscriber, the latest first, with what happened to each. */
    subscriberActivity: (listId: string, email: string, p: PageParams = {}) =>
      request<Page<CampaignActivity>>('GET', `/lists/${seg(listId)}/activity/${seg(email)}${pageQuery(p)}`, {
        auth: true,
      }),

    // ------------------------------------------------------------ public

    getUnsubscribe: (token: string) => request<UnsubscribeInfo>('GET', `/public/unsubscribe/${seg(token)}`),

    unsubscribe: (token: string) => request<UnsubscribeInfo>('POST', `/public/unsubscribe/${seg(token)}`, { body: {} }),

    getPreferences: (token: string) => request<Preferences>('GET', `/public/preferences/${seg(token)}`),

    updatePreferences: (token: string, body: PreferencesUpdate) =>
      request<Preferences>('PUT', `/public/preferences/${seg(token)}`, { body }),

    unsubscribeEverywhere: (token: string) => request<Preferences>('POST', `/public/preferences/${seg(token)}/unsubscribe`, { body: {} }),

    /** Where the reader's data downloads from (a plain link: the token is the credential). */
    preferencesExportUrl: (token: string) => `${baseUrl}/public/preferences/${seg(token)}/export`,

    erasePreferences: (token: string) => request<Erased>('POST', `/public/preferences/${seg(token)}/erase`, { body: {} }),
  };
}

/** The app's client; `main.tsx` points it at `apiBase` from /config.json. */
export const api = createApi({ baseUrl: '/api' });
