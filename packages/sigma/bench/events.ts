// A realistic Windows event mix for the benchmark: the SigmaHQ regression samples (attacks) plus synthesized
// everyday events (process starts, network, image loads, file and registry writes, logons, PowerShell,
// services) in the regression-JSON shape, with varied but benign values. Deterministic (seeded).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundledRegressionDir, parseJsonEvents } from '../src/index.js';

let seed = 12345;
function rnd(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}
function pick<T>(a: readonly T[]): T {
  return a[rnd(a.length)]!;
}

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const users = ['CORP\\tanaka', 'CORP\\suzuki', 'CORP\\sato', 'NT AUTHORITY\\SYSTEM', 'CORP\\admin-yamada'];
const hosts = ['PC-0012.corp.local', 'PC-0144.corp.local', 'SRV-FILE01.corp.local', 'PC-0333.corp.local'];
const images = [
  'C:\\Windows\\System32\\svchost.exe',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
  'C:\\Windows\\explorer.exe',
  'C:\\Windows\\System32\\conhost.exe',
  'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
  'C:\\Windows\\System32\\taskhostw.exe',
  'C:\\Windows\\System32\\RuntimeBroker.exe',
  'C:\\Program Files\\Windows Defender\\MsMpEng.exe',
  'C:\\Windows\\System32\\SearchIndexer.exe',
  'C:\\Users\\tanaka\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe',
];
// Realistic parent → child pairs (image, command line, parent image, parent command line).
const procs: Array<[string, string, string, string]> = [
  [
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer --field-trial-handle=1234,i,5678 --lang=ja --enable-features=NetworkService',
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"',
  ],
  [
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"',
    'C:\\Windows\\explorer.exe',
    'C:\\Windows\\Explorer.EXE',
  ],
  [
    'C:\\Windows\\System32\\svchost.exe',
    'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule',
    'C:\\Windows\\System32\\services.exe',
    'C:\\Windows\\system32\\services.exe',
  ],
  [
    'C:\\Windows\\System32\\svchost.exe',
    'C:\\Windows\\System32\\svchost.exe -k LocalServiceNetworkRestricted -p -s Dhcp',
    'C:\\Windows\\System32\\services.exe',
    'C:\\Windows\\system32\\services.exe',
  ],
  [
    'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
    '"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE" /n "C:\\Users\\tanaka\\Documents\\予算案_R7.docx"',
    'C:\\Windows\\explorer.exe',
    'C:\\Windows\\Explorer.EXE',
  ],
  [
    'C:\\Windows\\System32\\taskhostw.exe',
    'taskhostw.exe KEYROAMING',
    'C:\\Windows\\System32\\svchost.exe',
    'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule',
  ],
  [
    'C:\\Windows\\System32\\RuntimeBroker.exe',
    'C:\\Windows\\System32\\RuntimeBroker.exe -Embedding',
    'C:\\Windows\\System32\\svchost.exe',
    'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p',
  ],
  [
    'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
    '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --no-startup-window /prefetch:5',
    'C:\\Windows\\explorer.exe',
    'C:\\Windows\\Explorer.EXE',
  ],
  [
    'C:\\Users\\tanaka\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe',
    '"C:\\Users\\tanaka\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe" --process-start-args "--profile=AAD"',
    'C:\\Users\\tanaka\\AppData\\Local\\Microsoft\\Teams\\Update.exe',
    '"C:\\Users\\tanaka\\AppData\\Local\\Microsoft\\Teams\\Update.exe" --processStart "Teams.exe"',
  ],
  [
    'C:\\Windows\\System32\\SearchProtocolHost.exe',
    '"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe1_ Global\\UsGthrCtrlFltPipeMssGthrPipe1 1 -2147483646 "Software\\Microsoft\\Windows Search"',
    'C:\\Windows\\System32\\SearchIndexer.exe',
    'C:\\Windows\\system32\\SearchIndexer.exe /Embedding',
  ],
  [
    'C:\\Windows\\System32\\backgroundTaskHost.exe',
    '"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountBackgroundManager',
    'C:\\Windows\\System32\\svchost.exe',
    'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p',
  ],
];
const netImages = [
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Windows\\System32\\svchost.exe',
  'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
  'C:\\Users\\tanaka\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe',
];
const dlls = [
  'ntdll.dll',
  'kernel32.dll',
  'user32.dll',
  'advapi32.dll',
  'ws2_32.dll',
  'crypt32.dll',
  'mscoree.dll',
  'clr.dll',
  'gdi32.dll',
  'ole32.dll',
];
const files = [
  'C:\\Users\\tanaka\\AppData\\Local\\Temp\\~DF3A1B.tmp',
  'C:\\Users\\suzuki\\Documents\\議事録.xlsx',
  'C:\\Windows\\Prefetch\\CHROME.EXE-8A1B2C3D.pf',
  'C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\mpcache-1.bin',
  'C:\\Users\\sato\\Downloads\\report_2025.pdf',
];
const regKeys = [
  'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\LastOnlineScanTimeForAppCategory',
  'HKU\\S-1-5-21-1\\Software\\Microsoft\\Office\\16.0\\Common\\Roaming\\Identities',
  'HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-21-1\\\\Device\\HarddiskVolume3\\Windows\\explorer.exe',
];
const domains = [
  'www.google.com',
  'login.microsoftonline.com',
  'www.soumu.go.jp',
  'update.microsoft.com',
  'teams.microsoft.com',
  'www.city.example.lg.jp',
];

function ev(
  channel: string,
  provider: string,
  id: number,
  data: Record<string, unknown>,
  i: number,
): unknown {
  return {
    Event: {
      System: {
        Provider: { '#attributes': { Name: provider } },
        EventID: id,
        Level: 4,
        TimeCreated: { '#attributes': { SystemTime: new Date(1764000000000 + i * 137).toISOString() } },
        EventRecordID: i,
        Channel: channel,
        Computer: pick(hosts),
        Security: { '#attributes': { UserID: 'S-1-5-18' } },
      },
      EventData: data,
    },
  };
}

function synth(i: number): unknown {
  const r = rnd(100);
  const img = pick(images);
  const guid = `{0197231E-${(1000 + rnd(9000)).toString(16)}-6928-A50B-000000000D00}`;
  if (r < 22) {
    const [pimg, cmd0, parent, pcmd] = pick(procs);
    // Half the command lines carry a per-process token (renderer ids, temp names), as real ones do.
    const cmd = rnd(2) === 0 ? `${cmd0} --instance-id=${rnd(1000000)}` : cmd0;
    return ev(
      SYSMON,
      'Microsoft-Windows-Sysmon',
      1,
      {
        RuleName: '-',
        UtcTime: '2025-11-27 07:40:10.132',
        ProcessGuid: guid,
        ProcessId: 1000 + rnd(60000),
        Image: pimg,
        FileVersion: '10.0.26100.1',
        Description: 'Windows host process',
        Product: 'Microsoft® Windows® Operating System',
        Company: 'Microsoft Corporation',
        OriginalFileName: pimg.split('\\').pop(),
        CommandLine: cmd,
        CurrentDirectory: 'C:\\Windows\\system32\\',
        User: pick(users),
        LogonGuid: guid,
        LogonId: '0x3e7',
        TerminalSessionId: 1,
        IntegrityLevel: 'Medium',
        Hashes: 'SHA256=4F1A0E7B6C2D8E9F0A1B2C3D4E5F60718293A4B5C6D7E8F9011223344556677',
        ParentProcessGuid: guid,
        ParentProcessId: 800 + rnd(5000),
        ParentImage: parent,
        ParentCommandLine: pcmd,
        ParentUser: pick(users),
      },
      i,
    );
  }
  if (r < 36)
    return ev(
      SYSMON,
      'Microsoft-Windows-Sysmon',
      3,
      {
        RuleName: '-',
        UtcTime: '2025-11-27 07:40:10.132',
        ProcessGuid: guid,
        ProcessId: 4000 + rnd(9000),
        Image: pick(netImages),
        User: pick(users),
        Protocol: 'tcp',
        Initiated: 'true',
        SourceIsIpv6: 'false',
        SourceIp: `10.1.${rnd(255)}.${rnd(255)}`,
        SourceHostname: pick(hosts),
        SourcePort: 49152 + rnd(10000),
        SourcePortName: '-',
        DestinationIsIpv6: 'false',
        DestinationIp: `203.0.113.${rnd(255)}`,
        DestinationHostname: pick(domains),
        DestinationPort: pick([443, 80, 53, 445]),
        DestinationPortName: 'https',
      },
      i,
    );
  if (r < 52)
    return ev(
      SYSMON,
      'Microsoft-Windows-Sysmon',
      7,
      {
        RuleName: '-',
        UtcTime: '2025-11-27 07:40:10.132',
        ProcessGuid: guid,
        ProcessId: 4000 + rnd(9000),
        Image: img,
        ImageLoaded: `C:\\Windows\\System32\\${pick(dlls)}`,
        FileVersion: '10.0.26100.1',
        Description: 'Windows NT BASE API Client DLL',
        Product: 'Microsoft® Windows® Operating System',
        Company: 'Microsoft Corporation',
        OriginalFileName: pick(dlls),
        Hashes: 'SHA256=0011',
        Signed: 'true',
        Signature: 'Microsoft Windows',
        SignatureStatus: 'Valid',
        User: pick(users),
      },
      i,
    );
  if (r < 61)
    return ev(
      SYSMON,
      'Microsoft-Windows-Sysmon',
      11,
      {
        RuleName: '-',
        UtcTime: '2025-11-27 07:40:10.132',
        ProcessGuid: guid,
        ProcessId: 4000 + rnd(9000),
        Image: img,
        TargetFilename:
          rnd(2) === 0
            ? pick(files)
            : `C:\\Users\\${pick(['tanaka', 'sato'])}\\AppData\\Local\\Temp\\tmp${rnd(1 << 30).toString(16)}.tmp`,
        CreationUtcTime: '2025-11-27 07:40:10.132',
        User: pick(users),
      },
      i,
    );
  if (r < 70)
    return ev(
      SYSMON,
      'Microsoft-Windows-Sysmon',
      13,
      {
        RuleName: '-',
        EventType: 'SetValue',
        UtcTime: '2025-11-27 07:40:10.132',
        ProcessGuid: guid,
        ProcessId: 4000 + rnd(9000),
        Image: img,
        TargetObject: pick(regKeys),
        Details: `DWORD (0x0000000${rnd(9)})`,
        User: pick(users),
      },
      i,
    );
  if (r < 74)
    return ev(
      SYSMON,
      'Microsoft-Windows-Sysmon',
      10,
      {
        RuleName: '-',
        UtcTime: '2025-11-27 07:40:10.132',
        SourceProcessGUID: guid,
        SourceProcessId: 4000,
        SourceThreadId: 1,
        SourceImage: img,
        TargetProcessGUID: guid,
        TargetProcessId: 800,
        TargetImage: pick(images),
        GrantedAccess: '0x1000',
        CallTrace: 'C:\\Windows\\SYSTEM32\\ntdll.dll+9d1e4|C:\\Windows\\System32\\KERNELBASE.dll+2c13e',
        SourceUser: pick(users),
        TargetUser: pick(users),
      },
      i,
    );
  if (r < 78)
    return ev(
      SYSMON,
      'Microsoft-Windows-Sysmon',
      22,
      {
        RuleName: '-',
        UtcTime: '2025-11-27 07:40:10.132',
        ProcessGuid: guid,
        ProcessId: 4000,
        QueryName: pick(domains),
        QueryStatus: '0',
        QueryResults: '::ffff:203.0.113.5;',
        Image: img,
        User: pick(users),
      },
      i,
    );
  if (r < 88) {
    const id = pick([4624, 4624, 4634, 4672, 4625, 4648, 4776]);
    return ev(
      'Security',
      'Microsoft-Windows-Security-Auditing',
      id,
      {
        SubjectUserSid: 'S-1-5-18',
        SubjectUserName: 'PC-0012$',
        SubjectDomainName: 'CORP',
        SubjectLogonId: '0x3e7',
        TargetUserSid: 'S-1-5-21-1-1001',
        TargetUserName: pick(users).split('\\')[1],
        TargetDomainName: 'CORP',
        TargetLogonId: '0x1a2b3c',
        LogonType: pick([2, 3, 5, 7, 10]),
        LogonProcessName: 'User32',
        AuthenticationPackageName: 'Negotiate',
        WorkstationName: 'PC-0012',
        LogonGuid: guid,
        TransmittedServices: '-',
        LmPackageName: '-',
        KeyLength: 0,
        ProcessId: '0x2f8',
        ProcessName: 'C:\\Windows\\System32\\svchost.exe',
        IpAddress: `10.1.${rnd(255)}.${rnd(255)}`,
        IpPort: '0',
        ImpersonationLevel: '%%1833',
        ElevatedToken: '%%1842',
      },
      i,
    );
  }
  if (r < 92) {
    const [pimg, cmd, parent] = pick(procs);
    return ev(
      'Security',
      'Microsoft-Windows-Security-Auditing',
      4688,
      {
        SubjectUserSid: 'S-1-5-18',
        SubjectUserName: 'PC-0012$',
        SubjectDomainName: 'CORP',
        SubjectLogonId: '0x3e7',
        NewProcessId: '0x1a2c',
        NewProcessName: pimg,
        TokenElevationType: '%%1936',
        ProcessId: '0x2f8',
        CommandLine: cmd,
        TargetUserSid: 'S-1-0-0',
        TargetUserName: '-',
        TargetDomainName: '-',
        TargetLogonId: '0x0',
        ParentProcessName: parent,
        MandatoryLabel: 'S-1-16-8192',
      },
      i,
    );
  }
  if (r < 95)
    return ev(
      'Microsoft-Windows-PowerShell/Operational',
      'Microsoft-Windows-PowerShell',
      4104,
      {
        MessageNumber: 1,
        MessageTotal: 1,
        ScriptBlockText: pick([
          'Get-ChildItem -Path C:\\Users\\Public | Select-Object Name, Length',
          'Import-Module ActiveDirectory; Get-ADUser -Filter * -SearchBase "OU=Staff,DC=corp,DC=local"',
          'Set-Location C:\\Scripts; .\\backup.ps1 -Target \\\\SRV-FILE01\\backup',
        ]),
        ScriptBlockId: guid,
        Path: '',
      },
      i,
    );
  return ev(
    'System',
    'Service Control Manager',
    pick([7036, 7040, 7045, 1014]),
    {
      param1: pick(['Windows Update', 'Background Intelligent Transfer Service', 'Print Spooler']),
      param2: pick(['running', 'stopped']),
      Binary: '',
    },
    i,
  );
}

function walk(dir: string, out: string[]): void {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (n.endsWith('.json')) out.push(p);
  }
}

/** `n` events: the regression samples (about 2% of the mix) and synthesized benign events. */
export function buildEventMix(n: number): unknown[] {
  const files: string[] = [];
  walk(bundledRegressionDir(), files);
  const attacks = files.sort().flatMap((f) => parseJsonEvents(readFileSync(f, 'utf8')));
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(i % 50 === 0 ? attacks[(i / 50) % attacks.length]! : synth(i));
  return out;
}
