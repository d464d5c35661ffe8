// A real lab for the scanner: a network namespace with a veth pair to the host, and real servers inside it
// (nginx with a login page, directory listing, .git and .env; nginx with an expired certificate and TLS 1.0;
// OpenSSH; vsftpd with anonymous login; Redis without auth; BIND serving a zone with AXFR allowed and a
// dangling CNAME). Everything runs on the namespace's own address; nothing touches the machine's services.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Lab {
  ns: string;
  /** The lab host's address (inside the namespace). */
  address: string;
  hostSide: string;
  zone: string;
  dir: string;
  ports: {
    ftp: number;
    ssh: number;
    dns: number;
    http: number;
    https: number;
    tlsOld: number;
    redis: number;
  };
  stop(): Promise<void>;
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function waitPort(address: string, port: number, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const s = connect({ host: address, port });
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`lab service on ${address}:${port} did not start`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export async function startLab(): Promise<Lab> {
  const id = `${process.pid % 100000}`;
  const ns = `mamori-asm-${id}`;
  const octet = (process.pid % 63) * 4;
  const subnet = 10 + (Math.floor(process.pid / 63) % 40);
  const hostSide = `10.231.${subnet}.${octet + 1}`;
  const address = `10.231.${subnet}.${octet + 2}`;
  const vh = `mah${id}`;
  const vn = `man${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'mamori-asm-lab-'));
  const procs: ChildProcess[] = [];
  // Every process in the namespace dies with the lab, including children that left their parent's group.
  const killNamespace = (): void => {
    let pids: string[] = [];
    try {
      pids = sh('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean);
    } catch {
      /* namespace already gone */
    }
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* already exited */
      }
    }
  };
  const cleanup = (): void => {
    killNamespace();
    for (const p of procs) p.stderr?.destroy();
    try {
      sh('ip', ['link', 'del', vh]);
    } catch {
      /* already gone */
    }
    try {
      sh('ip', ['netns', 'del', ns]);
    } catch {
      /* already gone */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A crashed or interrupted test must not leave servers or namespaces behind.
  const onExit = (): void => cleanup();
  const onSignal = (): void => {
    cleanup();
    process.exit(130);
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const unhook = (): void => {
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  try {
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['link', 'add', vh, 'type', 'veth', 'peer', 'name', vn]);
    sh('ip', ['link', 'set', vn, 'netns', ns]);
    sh('ip', ['addr', 'add', `${hostSide}/30`, 'dev', vh]);
    sh('ip', ['link', 'set', vh, 'up']);
    const inNs = (args: string[]): string => sh('ip', ['netns', 'exec', ns, ...args]);
    inNs(['ip', 'link', 'set', 'lo', 'up']);
    inNs(['ip', 'addr', 'add', `${address}/30`, 'dev', vn]);
    inNs(['ip', 'link', 'set', vn, 'up']);

    const ports = {
      ftp: 21,
      ssh: 22,
      dns: 53,
      http: 80,
      https: 443,
      tlsOld: 8443,
      redis: 6379,
      apache: 8080,
      postgres: 5432,
    };
    const zone = 'lab.test';
    // Certificates: a valid-looking one for www.lab.test and an expired one (via `openssl ca` dates).
    const pem = (n: string): string => join(dir, n);
    sh('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      pem('www.key'),
      '-out',
      pem('www.crt'),
      '-days',
      '365',
      '-subj',
      '/CN=www.lab.test',
      '-addext',
      'subjectAltName=DNS:www.lab.test,DNS:portal.lab.test',
    ]);
    sh('openssl', [
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      pem('old.key'),
      '-out',
      pem('old.csr'),
      '-subj',
      '/CN=old-vpn.lab.test',
    ]);
    mkdirSync(pem('ca'));
    writeFileSync(pem('ca/index.txt'), '');
    writeFileSync(pem('ca/serial'), '1000\n');
    writeFileSync(
      pem('ca.cnf'),
      `[ca]\ndefault_ca=lab\n[lab]\ndir=${pem('ca')}\ndatabase=$dir/index.txt\nserial=$dir/serial\nnew_certs_dir=$dir\ndefault_md=sha256\npolicy=any\ncopy_extensions=copy\n[any]\ncommonName=supplied\n`,
    );
    sh('openssl', [
      'ca',
      '-batch',
      '-config',
      pem('ca.cnf'),
      '-selfsign',
      '-keyfile',
      pem('old.key'),
      '-in',
      pem('old.csr'),
      '-out',
      pem('old.crt'),
      '-startdate',
      '20200101000000Z',
      '-enddate',
      '20210101000000Z',
      '-notext',
    ]);

    // nginx: a municipal-looking site with an admin login, a listing, an exposed .git and .env; and an old TLS portal.
    const www = pem('www');
    mkdirSync(join(www, 'admin'), { recursive: true });
    mkdirSync(join(www, 'files'), { recursive: true });
    mkdirSync(join(www, '.git'), { recursive: true });
    writeFileSync(
      join(www, 'index.html'),
      '<!doctype html><html><head><title>ラボ市 公式ホームページ</title><meta name="generator" content="WordPress 5.8.1"><script src="/js/jquery-3.4.1.min.js"></script></head><body>ようこそ</body></html>',
    );
    writeFileSync(
      join(www, 'admin', 'index.html'),
      '<html><head><title>管理画面 ログイン</title></head><body><form method="post"><input type="text" name="username"><input type="password" name="password"></form></body></html>',
    );
    writeFileSync(join(www, 'files', 'report-2024.pdf'), 'x');
    writeFileSync(join(www, 'files', 'budget.xlsx'), 'x');
    writeFileSync(join(www, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(www, '.git', 'config'), '[core]\n\trepositoryformatversion = 0\n');
    writeFileSync(join(www, '.env'), 'DB_PASSWORD=lab-secret\nAPP_KEY=base64:lab\n');
    writeFileSync(join(www, 'favicon.ico'), Buffer.from('000001000100101000000100200068040000', 'hex'));
    writeFileSync(
      pem('nginx.conf'),
      `user root;\nworker_processes 1;\npid ${pem('nginx.pid')};\nerror_log ${pem('nginx-error.log')};\ndaemon off;\nevents { worker_connections 512; }\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/nginx-body;\n  proxy_temp_path ${dir}/nginx-proxy;\n  fastcgi_temp_path ${dir}/nginx-fcgi;\n  uwsgi_temp_path ${dir}/nginx-uwsgi;\n  scgi_temp_path ${dir}/nginx-scgi;\n  default_type text/html;\n  server {\n    listen ${address}:${ports.http};\n    server_name _;\n    root ${www};\n    location /files/ { autoindex on; }\n  }\n  server {\n    listen ${address}:${ports.https} ssl;\n    server_name www.lab.test;\n    ssl_certificate ${pem('www.crt')};\n    ssl_certificate_key ${pem('www.key')};\n    ssl_protocols TLSv1.2 TLSv1.3;\n    root ${www};\n    add_header Strict-Transport-Security "max-age=31536000" always;\n    add_header X-Content-Type-Options nosniff always;\n  }\n  server {\n    listen ${address}:${ports.tlsOld} ssl;\n    server_name old-vpn.lab.test;\n    ssl_certificate ${pem('old.crt')};\n    ssl_certificate_key ${pem('old.key')};\n    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;\n    ssl_ciphers ALL:@SECLEVEL=0;\n    root ${www};\n  }\n}\n`,
    );

    // OpenSSH with its own host key and config.
    sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', pem('ssh_host_ed25519_key')]);
    mkdirSync('/run/sshd', { recursive: true });
    writeFileSync(
      pem('sshd_config'),
      `Port ${ports.ssh}\nListenAddress ${address}\nHostKey ${pem('ssh_host_ed25519_key')}\nPidFile ${pem('sshd.pid')}\nPasswordAuthentication no\nUsePAM no\n`,
    );

    // vsftpd with anonymous login.
    const anon = pem('ftp');
    mkdirSync(join(anon, 'pub'), { recursive: true });
    chmodSync(anon, 0o555);
    mkdirSync('/var/run/vsftpd/empty', { recursive: true });
    writeFileSync(
      pem('vsftpd.conf'),
      `listen=YES\nlisten_address=${address}\nlisten_port=${ports.ftp}\nbackground=NO\nanonymous_enable=YES\nanon_root=${anon}\nlocal_enable=NO\nwrite_enable=NO\nseccomp_sandbox=NO\nsecure_chroot_dir=/var/run/vsftpd/empty\nxferlog_enable=NO\nrun_as_launching_user=YES\nftp_username=root\n`,
    );

    // BIND: lab.test with AXFR allowed to anyone, weak SPF, no DMARC, a dangling CNAME into cloudapp.test.
    writeFileSync(
      pem('lab.test.zone'),
      `$TTL 300\n@ IN SOA ns1.lab.test. hostmaster.lab.test. 1 3600 600 86400 300\n@ IN NS ns1.lab.test.\n@ IN A ${address}\n@ IN MX 10 mail.lab.test.\n@ IN TXT "v=spf1 +all"\n@ IN CAA 0 issue "letsencrypt.org"\nns1 IN A ${address}\nwww IN A ${address}\nmail IN A ${address}\nftp IN CNAME www.lab.test.\nportal IN A ${address}\nold IN CNAME gone.cloudapp.test.\noutside IN A 192.0.2.10\n_sip._tcp IN SRV 10 5 5060 www.lab.test.\n`,
    );
    writeFileSync(
      pem('cloudapp.test.zone'),
      `$TTL 300\n@ IN SOA ns1.cloudapp.test. hostmaster.cloudapp.test. 1 3600 600 86400 300\n@ IN NS ns1.lab.test.\napp1 IN A ${address}\n`,
    );
    const [a1, a2, a3, a4] = address.split('.');
    const revZone = `${a3}.${a2}.${a1}.in-addr.arpa`;
    writeFileSync(
      pem('rev.zone'),
      `$TTL 300\n@ IN SOA ns1.lab.test. hostmaster.lab.test. 1 3600 600 86400 300\n@ IN NS ns1.lab.test.\n${a4} IN PTR www.lab.test.\n`,
    );
    writeFileSync(
      pem('named.conf'),
      `options {\n  directory "${dir}";\n  pid-file "${pem('named.pid')}";\n  listen-on port ${ports.dns} { ${address}; };\n  listen-on-v6 { none; };\n  recursion no;\n  allow-transfer { any; };\n  dnssec-validation no;\n};\nzone "lab.test" { type primary; file "${pem('lab.test.zone')}"; };\nzone "cloudapp.test" { type primary; file "${pem('cloudapp.test.zone')}"; };\nzone "${revZone}" { type primary; file "${pem('rev.zone')}"; };\n`,
    );

    // Apache with Debian's default page (a forgotten test server); PostgreSQL reachable from outside.
    chmodSync(dir, 0o755);
    const apacheWww = pem('apache-www');
    mkdirSync(apacheWww);
    copyFileSync('/usr/share/apache2/default-site/index.html', join(apacheWww, 'index.html'));
    const mod = (m: string): string => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`;
    writeFileSync(
      pem('apache.conf'),
      [
        `ServerRoot "${dir}"`,
        `Mutex file:${dir}`,
        `PidFile ${pem('apache.pid')}`,
        `Listen ${address}:${ports.apache}`,
        mod('mpm_prefork'),
        mod('authz_core'),
        mod('dir'),
        mod('mime'),
        'TypesConfig /etc/mime.types',
        'User www-data',
        'Group www-data',
        'ServerName apache.lab.test',
        `ErrorLog ${pem('apache-error.log')}`,
        `DocumentRoot ${apacheWww}`,
        `<Directory ${apacheWww}>`,
        '  Require all granted',
        '</Directory>',
        'DirectoryIndex index.html',
        '',
      ].join('\n'),
    );
    const pgBin = `/usr/lib/postgresql/${readdirSync('/usr/lib/postgresql').sort().pop()}/bin`;
    const pgData = pem('pg');
    mkdirSync(pgData, { mode: 0o700 });
    sh('chown', ['postgres:postgres', pgData]);
    sh('runuser', [
      '-u',
      'postgres',
      '--',
      `${pgBin}/initdb`,
      '-D',
      pgData,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
    ]);

    const start = (args: string[], name: string): void => {
      const p = spawn('ip', ['netns', 'exec', ns, ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      });
      let err = '';
      p.stderr?.on('data', (d: Buffer) => {
        if (err.length < 4000) err += d.toString();
      });
      p.on('exit', (code) => {
        if (code && code !== 0 && !stopping) process.stderr.write(`lab: ${name} exited ${code}: ${err}\n`);
      });
      procs.push(p);
    };
    let stopping = false;
    start(['nginx', '-c', pem('nginx.conf')], 'nginx');
    start(['/usr/sbin/sshd', '-D', '-e', '-f', pem('sshd_config')], 'sshd');
    start(['/usr/sbin/vsftpd', pem('vsftpd.conf')], 'vsftpd');
    start(
      [
        'redis-server',
        '--port',
        String(ports.redis),
        '--bind',
        address,
        '--protected-mode',
        'no',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      'redis',
    );
    start(['/usr/sbin/named', '-g', '-4', '-c', pem('named.conf')], 'named');
    start(['/usr/sbin/apache2', '-f', pem('apache.conf'), '-DFOREGROUND'], 'apache2');
    start(
      [
        'runuser',
        '-u',
        'postgres',
        '--',
        `${pgBin}/postgres`,
        '-D',
        pgData,
        '-k',
        pgData,
        '-h',
        address,
        '-p',
        String(ports.postgres),
        '-c',
        'fsync=off',
      ],
      'postgres',
    );
    await Promise.all(Object.values(ports).map((p) => waitPort(address, p)));
    return {
      ns,
      address,
      hostSide,
      zone,
      dir,
      ports,
      stop: async () => {
        stopping = true;
        const exits = procs
          .filter((p) => p.exitCode === null)
          .map((p) => new Promise((r) => p.once('exit', r)));
        // Each service runs in its own process group (detached): signal the whole group.
        for (const p of procs) {
          try {
            if (p.pid && p.exitCode === null) process.kill(-p.pid, 'SIGTERM');
          } catch {
            /* already exited */
          }
        }
        await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 3000))]);
        cleanup();
        unhook();
      },
    };
  } catch (err) {
    cleanup();
    unhook();
    throw err;
  }
}
