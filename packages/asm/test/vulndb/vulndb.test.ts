import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  VulnDb,
  bundledVulnDb,
  compareVersions,
  importFiles,
  loadVulnDb,
  splitDistroVersion,
  vulndbDataDir,
} from '../../src/vulndb/index.js';

const data = vulndbDataDir();
const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));
const read = (p: string): unknown => JSON.parse(readFileSync(p, 'utf8'));

function sampleDb(): VulnDb {
  const db = new VulnDb();
  const res = importFiles(db, [
    join(data, 'samples/cve5'),
    join(data, 'kev/known_exploited_vulnerabilities.json'),
  ]);
  assert.deepEqual(
    res.filter((r) => r.error),
    [],
  );
  return db;
}

describe('version comparison', () => {
  it('generic, semver-like and rpm orderings', () => {
    assert.ok(compareVersions('8.4p1', '8.4') > 0);
    assert.ok(compareVersions('8.3p1', '8.4') < 0);
    assert.ok(compareVersions('1.0rc1', '1.0') < 0);
    assert.ok(compareVersions('1.0.0-beta.2', '1.0.0-rc.1') < 0);
    assert.ok(compareVersions('2.4.10', '2.4.9') > 0);
    assert.ok(compareVersions('10.2.2', '10.2.2-h2') < 0, 'PAN-OS hotfix is newer');
    assert.equal(compareVersions('v1.2.0', '1.2'), 0, 'trailing zeros are equal');
    assert.ok(compareVersions('1.0~rc1', '1.0', 'rpm') < 0);
    assert.ok(compareVersions('1:1.0-1', '2.0-1', 'rpm') > 0, 'epoch wins');
    assert.ok(compareVersions('2.4.37-51.el8', '2.4.37-43.el8', 'rpm') > 0);
    assert.ok(compareVersions('1.0.0-alpha', '1.0.0', 'semver') < 0);
  });

  it('splits distribution builds', () => {
    assert.deepEqual(splitDistroVersion('8.4p1 Debian-5+deb11u3'), { upstream: '8.4p1', distro: 'Debian' });
    assert.deepEqual(splitDistroVersion('8.9p1 Ubuntu-3ubuntu0.6'), { upstream: '8.9p1', distro: 'Ubuntu' });
    assert.deepEqual(splitDistroVersion('2.4.37-51.el8'), { upstream: '2.4.37', distro: 'RHEL' });
    assert.deepEqual(splitDistroVersion('2.4.58'), { upstream: '2.4.58' });
  });
});

describe('CVE JSON 5 records and KEV', () => {
  it('the bundled database holds the shipped KEV catalog and samples', () => {
    assert.equal(loadVulnDb(vulndbDataDir()).kevSize, 1404);
    assert.equal(loadVulnDb('/nonexistent/mamori').size, 0);
    const db = bundledVulnDb();
    assert.equal(db.kevSize, 1404);
    assert.equal(db.size, 6);
  });

  it('imports samples and the KEV catalog', () => {
    const db = sampleDb();
    assert.equal(db.size, 6);
    assert.equal(db.kevSize, 1404);
    assert.equal(db.kevCatalogVersion, '2025.08.25');
  });

  it('lessThanOrEqual with start "0" (OpenSSH <= 8.3p1)', () => {
    const db = sampleDb();
    const ids = (v: string) =>
      db.lookup({ vendor: 'openbsd', product: 'openssh', version: v }).map((m) => m.id);
    assert.deepEqual(ids('8.3p1'), ['CVE-2020-15778']);
    assert.deepEqual(ids('7.4'), ['CVE-2020-15778']);
    assert.deepEqual(ids('8.4p1'), []);
    assert.deepEqual(ids('9.6'), ['CVE-2024-39894']);
    assert.deepEqual(ids('9.8'), []);
  });

  it('a distribution banner gives a potential match, with the reason', () => {
    const db = sampleDb();
    const m = db.lookup({ vendor: 'openbsd', product: 'openssh', version: '8.2p1 Ubuntu-4ubuntu0.5' });
    assert.equal(m.length, 1);
    assert.equal(m[0]!.confidence, 'potential');
    assert.ok(m[0]!.reasons.some((r) => /Ubuntu.*backported/.test(r)));
    const plain = db.lookup({ vendor: 'openbsd', product: 'openssh', version: '8.2p1' });
    assert.equal(plain[0]!.confidence, 'certain');
  });

  it('lookup by CPE 2.3 (version + update)', () => {
    const db = sampleDb();
    const m = db.lookup({ cpe: 'cpe:2.3:a:openbsd:openssh:8.0:p1:*:*:*:*:*:*' });
    assert.deepEqual(
      m.map((x) => x.id),
      ['CVE-2020-15778'],
    );
  });

  it('CVE 5 changes: hotfix releases are unaffected; KEV is marked', () => {
    const db = sampleDb();
    const pan = (v: string) => db.lookup({ vendor: 'Palo Alto Networks', product: 'PAN-OS', version: v });
    assert.equal(pan('10.2.1')[0]?.id, 'CVE-2022-0028');
    assert.equal(pan('10.2.1')[0]?.kev?.dateAdded, '2022-08-22');
    assert.equal(pan('10.2.2')[0]?.id, 'CVE-2022-0028');
    assert.deepEqual(pan('10.2.2-h2'), []);
    assert.deepEqual(pan('10.2.3'), []);
    assert.deepEqual(pan('11.0.0'), []);
  });

  it('versionType "patch" (NetScaler builds within a release)', () => {
    const db = sampleDb();
    const ns = (v: string) =>
      db.lookup({ vendor: 'citrix', product: 'netscaler_application_delivery_controller', version: v });
    assert.equal(ns('13.1-49.13')[0]?.id, 'CVE-2023-6548');
    assert.ok(ns('13.1-49.13')[0]?.kev);
    assert.deepEqual(ns('13.1-51.15'), []);
  });

  it('product text without vendor (CNA vendor/product names)', () => {
    const db = sampleDb();
    const m = db.lookup({ product: 'FortiOS', version: '7.2.5' });
    assert.ok(m.some((x) => x.id === 'CVE-2023-48784'));
    assert.ok(!db.lookup({ product: 'FortiOS', version: '7.2.8' }).some((x) => x.id === 'CVE-2023-48784'));
  });
});

describe('NVD CVE API 2.0 feeds', () => {
  it('range bounds: StartIncluding/EndExcluding, StartExcluding/EndIncluding', () => {
    const db = new VulnDb();
    const st = db.importDocument(read(join(fixtures, 'nvd-feed-synthetic.json')));
    assert.equal(st.kind, 'nvd');
    assert.equal(st.added, 2);
    assert.equal(st.rejected, 1);
    const hit = (v: string) =>
      db.lookup({ cpe: `cpe:2.3:a:apache:http_server:${v}:*:*:*:*:*:*:*` }).length > 0;
    assert.equal(hit('2.4.0'), true);
    assert.equal(hit('2.4.57'), true);
    assert.equal(hit('2.4.58'), false);
    assert.equal(hit('2.2.0'), false, 'start excluded');
    assert.equal(hit('2.2.1'), true);
    assert.equal(hit('2.2.34'), true, 'end included');
    assert.equal(hit('2.2.35'), false);
    assert.equal(db.get('CVE-2099-0001')?.cvss?.score, 9.8);
  });

  it('exact CPE versions and AND (platform) configurations', () => {
    const db = new VulnDb();
    db.importDocument(read(join(fixtures, 'nvd-feed-synthetic.json')));
    assert.equal(
      db.lookup({ vendor: 'openbsd', product: 'openssh', version: '8.4p1' })[0]?.id,
      'CVE-2099-0002',
    );
    assert.deepEqual(db.lookup({ vendor: 'openbsd', product: 'openssh', version: '8.5p1' }), []);
    const cond = db.lookup({ vendor: 'example', product: 'webmail', version: '2.9' });
    assert.equal(cond[0]?.confidence, 'potential');
  });

  it('incremental updates replace older copies, never newer ones', () => {
    const db = new VulnDb();
    db.importDocument(read(join(fixtures, 'nvd-feed-synthetic.json')));
    const st = db.importDocument(read(join(fixtures, 'nvd-update-synthetic.json')));
    assert.equal(st.updated, 1);
    assert.equal(st.unchanged, 1);
    assert.equal(
      db.lookup({ product: 'http_server', vendor: 'apache', version: '2.4.58' })[0]?.id,
      'CVE-2099-0001',
    );
    assert.deepEqual(
      db.lookup({ product: 'http_server', vendor: 'apache', version: '2.2.10' }),
      [],
      'old 2.2 range gone',
    );
    assert.equal(
      db.lookup({ vendor: 'openbsd', product: 'openssh', version: '8.4p1' })[0]?.id,
      'CVE-2099-0002',
    );
  });

  it('the index serialises and loads back', () => {
    const db = sampleDb();
    db.importDocument(read(join(fixtures, 'nvd-feed-synthetic.json')));
    const copy = VulnDb.fromJSON(JSON.parse(JSON.stringify(db.toJSON())));
    assert.equal(copy.size, db.size);
    assert.deepEqual(
      copy.lookup({ vendor: 'paloaltonetworks', product: 'pan-os', version: '9.1.3' }),
      db.lookup({ vendor: 'paloaltonetworks', product: 'pan-os', version: '9.1.3' }),
    );
    assert.throws(() => VulnDb.fromJSON({ nope: 1 }), /mamori-vulndb/);
  });

  it('bad input is an error, not a crash', () => {
    const db = new VulnDb();
    assert.throws(() => db.importDocument({ hello: 'world' }), /unrecognised/);
    assert.throws(() => db.lookup({ cpe: 'cpe:/a:old:format' }), /CPE 2.3/);
    const st = db.importDocument({ format: 'NVD_CVE', vulnerabilities: [{ cve: { id: 'nope' } }] });
    assert.equal(st.errors.length, 1);
  });
});
