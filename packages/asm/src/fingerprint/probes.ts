// Loads and compiles the TCP probe/match set (data/probes/tcp.yaml).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RE2JS } from 're2js';
import { parse } from 'yaml';

export interface ServiceMatch {
  service: string;
  re: RE2JS;
  product: string;
  version: string;
  cpe: string;
  decode?: string;
}

export interface TcpProbe {
  name: string;
  send: Buffer;
  ports: number[];
  matches: ServiceMatch[];
}

const defaultPath = fileURLToPath(new URL('../../data/probes/tcp.yaml', import.meta.url));

export function loadTcpProbes(path = defaultPath): TcpProbe[] {
  const raw = parse(readFileSync(path, 'utf8')) as Array<Record<string, unknown>>;
  if (!Array.isArray(raw)) throw new Error(`${path}: expected a list of probes`);
  return raw.map((p, i) => {
    const where = `${path}: probe ${i + 1} (${String(p.name)})`;
    if (typeof p.name !== 'string' || !Array.isArray(p.matches))
      throw new Error(`${where}: name and matches are required`);
    let send: Buffer;
    if (typeof p.send_hex === 'string') {
      const hex = p.send_hex.replace(/\s+/g, '');
      if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new Error(`${where}: send_hex is not hex`);
      send = Buffer.from(hex, 'hex');
    } else send = Buffer.from(String(p.send ?? ''), 'latin1');
    const matches = (p.matches as Array<Record<string, unknown>>).map((m, j) => {
      if (typeof m.service !== 'string' || typeof m.pattern !== 'string')
        throw new Error(`${where}: match ${j + 1}: service and pattern are required`);
      let re: RE2JS;
      try {
        re = RE2JS.compile(m.pattern);
      } catch (err) {
        throw new Error(`${where}: match ${j + 1}: bad pattern: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const sm: ServiceMatch = {
        service: m.service,
        re,
        product: String(m.product ?? ''),
        version: String(m.version ?? ''),
        cpe: String(m.cpe ?? ''),
      };
      if (typeof m.decode === 'string') sm.decode = m.decode;
      return sm;
    });
    return { name: p.name, send, ports: Array.isArray(p.ports) ? p.ports.map(Number) : [], matches };
  });
}
