// One catalogue of errors: stable code, HTTP status, English and Japanese message.
// The API's error body and the CLI's messages come from here. Add codes; never reuse or rename one.
// `{name}` placeholders are filled from the error's params.

export const errorCatalog = {
  MAMORI_INTERNAL: { status: 500, en: 'Internal error', ja: '内部エラーが発生しました' },
  MAMORI_BAD_REQUEST: { status: 400, en: 'Bad request: {reason}', ja: 'リクエストが不正です: {reason}' },
  MAMORI_VALIDATION: { status: 400, en: 'Invalid input: {reason}', ja: '入力が不正です: {reason}' },
  MAMORI_NOT_FOUND: { status: 404, en: 'Not found', ja: '見つかりません' },
  MAMORI_ROUTE_NOT_FOUND: {
    status: 404,
    en: 'No such route: {route}',
    ja: '該当する API がありません: {route}',
  },
  MAMORI_CONFLICT: { status: 409, en: 'Conflict: {reason}', ja: '競合しています: {reason}' },
  MAMORI_PAYLOAD_TOO_LARGE: { status: 413, en: 'Request body too large', ja: 'リクエストが大きすぎます' },
  MAMORI_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    en: 'Unsupported content type',
    ja: '対応していない Content-Type です',
  },
  MAMORI_RATE_LIMITED: {
    status: 429,
    en: 'Too many requests; retry later',
    ja: 'リクエストが多すぎます。しばらくしてから再試行してください',
  },
  MAMORI_UNAUTHENTICATED: { status: 401, en: 'Sign-in required', ja: 'サインインが必要です' },
  MAMORI_FORBIDDEN: { status: 403, en: 'Not permitted', ja: 'この操作は許可されていません' },
  MAMORI_CSRF: {
    status: 403,
    en: 'Missing or invalid CSRF token',
    ja: 'CSRF トークンがないか不正です',
  },
  MAMORI_INVALID_CREDENTIALS: {
    status: 401,
    en: 'Invalid user name or password',
    ja: 'ユーザー名またはパスワードが正しくありません',
  },
  MAMORI_ACCOUNT_LOCKED: {
    status: 423,
    en: 'Account temporarily locked after repeated failures; retry after {until}',
    ja: '認証の失敗が続いたため一時的にロックされています。{until} 以降に再試行してください',
  },
  MAMORI_ACCOUNT_DISABLED: { status: 403, en: 'Account disabled', ja: 'アカウントは無効化されています' },
  MAMORI_MFA_REQUIRED: {
    status: 401,
    en: 'Multi-factor authentication required',
    ja: '多要素認証が必要です',
  },
  MAMORI_MFA_INVALID: { status: 401, en: 'Invalid authentication code', ja: '認証コードが正しくありません' },
  MAMORI_SESSION_EXPIRED: {
    status: 401,
    en: 'Session expired; sign in again',
    ja: 'セッションの有効期限が切れました。再度サインインしてください',
  },
  MAMORI_TOKEN_INVALID: {
    status: 401,
    en: 'Invalid, expired or revoked API token',
    ja: 'API トークンが無効、期限切れ、または失効しています',
  },
  MAMORI_PASSWORD_POLICY: {
    status: 400,
    en: 'Password does not meet the policy: {reason}',
    ja: 'パスワードが要件を満たしていません: {reason}',
  },
  MAMORI_ORG_NOT_FOUND: { status: 404, en: 'Organization not found', ja: '組織が見つかりません' },
  MAMORI_USER_NOT_FOUND: { status: 404, en: 'User not found', ja: 'ユーザーが見つかりません' },
  MAMORI_TOKEN_NOT_FOUND: { status: 404, en: 'API token not found', ja: 'API トークンが見つかりません' },
  MAMORI_USERNAME_TAKEN: {
    status: 409,
    en: 'User name already in use',
    ja: 'このユーザー名は既に使われています',
  },
  MAMORI_CONFIG_INVALID: {
    status: 500,
    en: 'Invalid configuration: {reason}',
    ja: '設定が不正です: {reason}',
  },
  MAMORI_DATA_INVALID: {
    status: 500,
    en: 'Invalid data file: {reason}',
    ja: 'データファイルが不正です: {reason}',
  },
  MAMORI_NOT_READY: {
    status: 503,
    en: 'Service not ready: {reason}',
    ja: 'サービスの準備ができていません: {reason}',
  },
} as const satisfies Record<string, { status: number; en: string; ja: string }>;

export type ErrorCode = keyof typeof errorCatalog;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(errorCatalog, code);
}
