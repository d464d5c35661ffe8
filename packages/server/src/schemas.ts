// Wire schemas of the HTTP API (TypeBox → JSON Schema). Requests and responses are both checked
// against them; bodies refuse unknown fields. The shapes are the foundation contract's.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { orgKinds } from '@mamori/core';

const strict = { additionalProperties: false } as const;

/** Identifiers are opaque to clients but never arbitrary text: a bad id is a 400, not a lookup. */
export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const IdParams = Type.Object({ id: Id }, strict);
export const Timestamp = Type.String({ format: 'date-time' });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const ErrorBody = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({ pattern: '^MAMORI_[A-Z0-9_]+$' }),
        message: Type.String(),
        messageJa: Type.String(),
        details: Type.Optional(Type.Unknown()),
      },
      strict,
    ),
  },
  strict,
);

/** Error statuses every route may answer with. */
export const errorResponses = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

export const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50 });
/** Opaque cursor from a previous page; its content is the platform's business, its shape ours. */
export const Cursor = Type.String({ minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9_=-]+$' });
export const page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) }, strict);

export const OrgKind = Type.Union(orgKinds.map((k) => Type.Literal(k)));
export const RegisterableKind = Type.Union([
  Type.Literal('association'),
  Type.Literal('soc_operator'),
  Type.Literal('other'),
]);

export type RoleId =
  | 'state_admin'
  | 'state_analyst'
  | 'prefecture_admin'
  | 'prefecture_operator'
  | 'municipality_admin'
  | 'municipality_staff'
  | 'auditor';
export const Role = Type.Union(
  [
    'state_admin',
    'state_analyst',
    'prefecture_admin',
    'prefecture_operator',
    'municipality_admin',
    'municipality_staff',
    'auditor',
  ].map((r) => Type.Literal(r as RoleId)),
);

export const Locale = Type.Union([Type.Literal('ja'), Type.Literal('en')]);

export const Me = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    displayName: Type.String(),
    email: Type.String(),
    role: Role,
    organization: Type.Object(
      { id: Type.String(), code: Nullable(Type.String()), name: Type.String(), kind: OrgKind },
      strict,
    ),
    mfaEnrolled: Type.Boolean(),
    locale: Locale,
  },
  strict,
);

export const Organization = Type.Object(
  {
    id: Type.String(),
    code: Nullable(Type.String()),
    name: Type.String(),
    nameKana: Type.String(),
    kind: OrgKind,
    parentId: Nullable(Type.String()),
    prefectureCode: Nullable(Type.String()),
    childCount: Type.Integer({ minimum: 0 }),
  },
  strict,
);

export const OrganizationDetail = Type.Object(
  {
    ...Organization.properties,
    parent: Nullable(Organization),
    path: Type.Array(Organization),
    userCount: Type.Integer({ minimum: 0 }),
  },
  strict,
);

export const User = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    displayName: Type.String(),
    email: Type.String(),
    role: Role,
    organizationId: Type.String(),
    organizationName: Type.String(),
    disabled: Type.Boolean(),
    mfaEnrolled: Type.Boolean(),
    lastLoginAt: Nullable(Timestamp),
    createdAt: Timestamp,
  },
  strict,
);

export const permissionIds = [
  'org:read',
  'org:write',
  'user:read',
  'user:write',
  'token:read',
  'token:write',
  'audit:read',
  'events:ingest',
  'events:read',
  'soc:read',
  'soc:triage',
  'soc:manage',
  'soc:ingest',
  'soc:sources',
  'asm:read',
  'asm:scan',
  'asm:manage',
  'asm:triage',
  'asm:attest',
] as const;
export const Permission = Type.Union(permissionIds.map((p) => Type.Literal(p)));

export const ApiToken = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    organizationId: Type.String(),
    permissions: Type.Array(Permission),
    prefix: Type.String(),
    createdAt: Timestamp,
    expiresAt: Timestamp,
    lastUsedAt: Nullable(Timestamp),
    revokedAt: Nullable(Timestamp),
  },
  strict,
);

export const AuditResult = Type.Union([
  Type.Literal('success'),
  Type.Literal('failure'),
  Type.Literal('denied'),
]);

export const AuditRecord = Type.Object(
  {
    seq: Type.Integer({ minimum: 0 }),
    at: Timestamp,
    actorId: Nullable(Type.String()),
    actorName: Nullable(Type.String()),
    organizationId: Nullable(Type.String()),
    action: Type.String(),
    target: Nullable(Type.String()),
    sourceIp: Type.String(),
    result: AuditResult,
    details: Nullable(Type.Record(Type.String(), Type.Unknown())),
  },
  strict,
);

export const AuditVerify = Type.Object(
  {
    ok: Type.Boolean(),
    checked: Type.Integer({ minimum: 0 }),
    problems: Type.Array(
      Type.Object(
        {
          seq: Type.Integer(),
          kind: Type.Union([Type.Literal('changed'), Type.Literal('missing'), Type.Literal('reordered')]),
          message: Type.String(),
        },
        strict,
      ),
    ),
  },
  strict,
);

export const Label = Type.Object({ id: Type.String(), ja: Type.String(), en: Type.String() }, strict);

export const SessionState = Type.Union([
  Type.Literal('authenticated'),
  Type.Literal('mfa_required'),
  Type.Literal('mfa_enrolment_required'),
]);

// Credentials: bounded so an oversize password cannot make argon2 the bottleneck.
export const Username = Type.String({ minLength: 1, maxLength: 64 });
export const Password = Type.String({ minLength: 1, maxLength: 256 });
export const OtpCode = Type.String({ minLength: 6, maxLength: 32, pattern: '^[0-9A-Za-z-]+$' });

export type MeT = Static<typeof Me>;
export type OrganizationT = Static<typeof Organization>;
export type UserT = Static<typeof User>;
export type ApiTokenT = Static<typeof ApiToken>;
export type AuditRecordT = Static<typeof AuditRecord>;
