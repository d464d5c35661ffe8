// Thin fetch wrapper: JSON in and out, the session cookie, and the CSRF header on state-changing requests.
import type { Locale } from './types.js';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly messageJa: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, messageJa: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.messageJa = messageJa;
    this.details = details;
  }
  /** The message in the user's language, as the API wrote it. */
  localized(locale: Locale): string {
    return locale === 'ja' ? this.messageJa || this.message : this.message || this.messageJa;
  }
}

let csrfToken = '';
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token ?? '';
}

/** Called when any request comes back 401 so the app can return to sign-in. */
let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(fn: (() => void) | null): void {
  onUnauthorized = fn;
}

type Query = Record<string, string | number | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

async function request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(withQuery(`/api/v1${path}`, query), {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server could not be reached.', 'サーバーに接続できません。');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const err = (
      data as { error?: { code?: string; message?: string; messageJa?: string; details?: unknown } }
    )?.error;
    if (res.status === 401 && onUnauthorized && !path.startsWith('/auth/')) onUnauthorized();
    throw new ApiError(
      res.status,
      err?.code ?? `HTTP_${res.status}`,
      err?.message ?? `Request failed (${res.status}).`,
      err?.messageJa ?? `要求に失敗しました（${res.status}）。`,
      err?.details,
    );
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, undefined, query),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};
