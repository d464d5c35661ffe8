// Demo data (`mamori demo`, run by `npm start`): all organizations, then accounts for 静岡県 and two of its
// municipalities. Idempotent: existing accounts are kept (their passwords are not shown again unless reset).
// Initial passwords are random, printed once and written to <dataDir>/demo-credentials.txt (mode 0600).
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { orgIdForCode, STATE_ORG_ID } from './orgs/service.js';
import { base32Encode } from './auth/totp.js';
import type { OrgLoadResult, Platform, RequestContext, Role } from './types.js';
import { seedDemoAsm } from './demo-asm.js';

export const DEMO_PREFECTURE_CODE = '220001';

const demoUsers: { username: string; displayName: string; role: Role; org: string }[] = [
  { username: 'admin', displayName: '総務省 管理者', role: 'state_admin', org: STATE_ORG_ID },
  {
    username: 'shizuoka-soc',
    displayName: '静岡県 SOC オペレーター',
    role: 'prefecture_operator',
    org: orgIdForCode('220001'),
  },
  {
    username: 'shizuoka-city',
    displayName: '静岡市 情報政策課 管理者',
    role: 'municipality_admin',
    org: orgIdForCode('221007'),
  },
  {
    username: 'numazu-city',
    displayName: '沼津市 情報政策課 管理者',
    role: 'municipality_admin',
    org: orgIdForCode('222038'),
  },
];

export interface DemoUser {
  username: string;
  role: Role;
  organizationId: string;
  /** The initial password when it was set by this run; null when the account already existed. */
  password: string | null;
  created: boolean;
}

export interface DemoResult {
  organizations: OrgLoadResult;
  users: DemoUser[];
  /** Written when this run set any password. */
  credentialsFile: string | null;
}

function initialPassword(): string {
  const s = base32Encode(randomBytes(15)).toLowerCase();
  return `${s.slice(0, 6)}-${s.slice(6, 12)}-${s.slice(12, 18)}`;
}

export async function seedDemo(
  platform: Platform,
  ctx: RequestContext,
  opts: { resetPasswords?: boolean } = {},
): Promise<DemoResult> {
  const organizations = await platform.orgs.loadOfficial(ctx);
  const users: DemoUser[] = [];
  for (const u of demoUsers) {
    const existing = await platform.db.kysely
      .selectFrom('users')
      .select('id')
      .where('username', '=', u.username)
      .executeTakeFirst();
    if (!existing) {
      const password = initialPassword();
      await platform.accounts.create(ctx, {
        username: u.username,
        displayName: u.displayName,
        email: `${u.username}@demo.mamori.invalid`,
        organizationId: u.org,
        role: u.role,
        password,
      });
      users.push({ username: u.username, role: u.role, organizationId: u.org, password, created: true });
    } else if (opts.resetPasswords) {
      const password = initialPassword();
      // A reset demo account starts over: new password, MFA to enrol again, no lockout.
      await platform.accounts.resetCredentials(ctx, existing.id, { password });
      await platform.accounts.update(ctx, existing.id, { disabled: false });
      users.push({ username: u.username, role: u.role, organizationId: u.org, password, created: false });
    } else {
      users.push({
        username: u.username,
        role: u.role,
        organizationId: u.org,
        password: null,
        created: false,
      });
    }
  }
  let credentialsFile: string | null = null;
  const fresh = users.filter((u) => u.password !== null);
  if (fresh.length > 0) {
    mkdirSync(platform.config.dataDir, { recursive: true });
    credentialsFile = join(platform.config.dataDir, 'demo-credentials.txt');
    const lines = [
      '# Mamori demo accounts: initial passwords (shown once). MFA enrolment is required at first sign-in.',
      ...fresh.map((u) => `${u.username}\t${u.password}\t${u.role}\t${u.organizationId}`),
      '',
    ];
    writeFileSync(credentialsFile, lines.join('\n'), { mode: 0o600 });
    chmodSync(credentialsFile, 0o600);
  }
  // ASM screens open populated: a real scan of a loopback lab for the demo city.
  await seedDemoAsm(platform, ctx);
  return { organizations, users, credentialsFile };
}
