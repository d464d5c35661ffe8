// UDP service probes (DNS, NTP, SNMP, SSDP, NetBIOS, IKE) from data/probes/udp.yaml. A reply means open;
// an ICMP port-unreachable (seen as ECONNREFUSED on a connected socket) means closed; silence is open|filtered.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { RE2JS } from 're2js';
import { parse } from 'yaml';
import type { ScopeCheck } from '../scope/types.js';
import type { StopSwitch } from '../scope/stop-switch.js';

export interface UdpProbe {
  name: string;
  ports: number[];
  service: string;
  payload: Buffer;
  match: RE2JS;
  productFrom?: string;
}

export interface UdpResult {
  address: string;
  port: number;
  transport: 'udp';
  state: 'open' | 'closed' | 'open|filtered';
  service?: string;
  product?: string;
  version?: string;
  banner?: string;
  reply?: Buffer;
}

const defaultPath = fileURLToPath(new URL('../../data/probes/udp.yaml', import.meta.url));

export function loadUdpProbes(path = defaultPath): UdpProbe[] {
  const raw = parse(readFileSync(path, 'utf8')) as Array<Record<string, unknown>>;
  if (!Array.isArray(raw)) throw new Error(`${path}: expected a list of probes`);
  return raw.map((p, i) => {
    const where = `${path}: probe ${i + 1}`;
    if (typeof p.name !== 'string' || typeof p.service !== 'string' || !Array.isArray(p.ports))
      throw new Error(`${where}: name, service and ports are required`);
    let payload: Buffer;
    if (typeof p.payload === 'string') {
      const hex = p.payload.replace(/\s+/g, '');
      if (!/^([0-9a-f]{2})+$/i.test(hex)) throw new Error(`${where}: payload is not hex`);
      payload = Buffer.from(hex, 'hex');
    } else if (typeof p.payload_text === 'string') payload = Buffer.from(p.payload_text, 'latin1');
    else throw new Error(`${where}: payload or payload_text is required`);
    const probe: UdpProbe = {
      name: p.name,
      ports: p.ports.map(Number),
      service: p.service,
      payload,
      match: RE2JS.compile(String(p.match ?? '')),
    };
    if (typeof p.product_from === 'string') probe.productFrom = p.product_from;
    return probe;
  });
}

function interpret(probe: UdpProbe, reply: Buffer): Pick<UdpResult, 'product' | 'version' | 'banner'> {
  const text = reply.toString('latin1');
  if (probe.productFrom === 'ssdp-server') {
    const m = /^server:\s*([^\r\n]{1,200})/im.exec(text);
    return m ? { banner: m[1]!, product: m[1]! } : {};
  }
  if (probe.productFrom === 'snmp-sysdescr') {
    // sysDescr is the OCTET STRING after the OID 1.3.6.1.2.1.1.1.0 in the reply.
    const oid = Buffer.from('2b06010201010100', 'hex');
    const i = reply.indexOf(oid);
    if (i >= 0 && reply[i + oid.length] === 0x04) {
      let len = reply[i + oid.length + 1]!;
      let off = i + oid.length + 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        len = reply.subarray(off, off + n).reduce((a, b) => a * 256 + b, 0);
        off += n;
      }
      const d = reply.toString('utf8', off, Math.min(reply.length, off + len));
      return { banner: d, product: d.split(/\s/)[0] ?? d };
    }
  }
  if (probe.name === 'ntp') return { version: String((reply[0]! >> 3) & 7) };
  return {};
}

function probeOnce(
  address: string,
  port: number,
  payload: Buffer,
  timeoutMs: number,
): Promise<Buffer | 'closed' | null> {
  return new Promise((resolve) => {
    const sock = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (v: Buffer | 'closed' | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    sock.on('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNREFUSED' ? 'closed' : null));
    sock.on('message', (msg) => finish(msg));
    sock.connect(port, address, () => sock.send(payload));
  });
}

export async function udpScan(
  addresses: string[],
  opts: {
    check: ScopeCheck;
    stop?: StopSwitch;
    probes?: UdpProbe[];
    ports?: number[];
    timeoutMs?: number;
    retries?: number;
  },
): Promise<UdpResult[]> {
  const probes = opts.probes ?? loadUdpProbes();
  const results: UdpResult[] = [];
  const tasks: Array<Promise<void>> = [];
  for (const a of addresses) {
    const d = await opts.check(a);
    if (!d.allowed) continue;
    for (const probe of probes) {
      for (const port of probe.ports) {
        if (opts.ports && !opts.ports.includes(port)) continue;
        tasks.push(
          (async () => {
            let reply: Buffer | 'closed' | null = null;
            for (let i = 0; i <= (opts.retries ?? 1) && reply === null; i++) {
              if (opts.stop?.stopped) return;
              reply = await probeOnce(a, port, probe.payload, opts.timeoutMs ?? 1000);
            }
            if (reply === 'closed') results.push({ address: a, port, transport: 'udp', state: 'closed' });
            else if (reply === null)
              results.push({ address: a, port, transport: 'udp', state: 'open|filtered' });
            else {
              const r: UdpResult = { address: a, port, transport: 'udp', state: 'open', reply };
              if (probe.match.matcher(reply.toString('latin1')).find()) {
                r.service = probe.service;
                Object.assign(r, interpret(probe, reply));
              }
              results.push(r);
            }
          })(),
        );
      }
    }
  }
  await Promise.all(tasks);
  return results.sort((x, y) => (x.address === y.address ? x.port - y.port : x.address < y.address ? -1 : 1));
}
