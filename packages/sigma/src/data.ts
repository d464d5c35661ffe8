// Loading the package's YAML data files (logsource routes, field maps, placeholders) once.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Absolute path of packages/sigma/data (same from src/ and dist/). */
export const dataDir: string = fileURLToPath(new URL('../data/', import.meta.url));

function load(name: string): unknown {
  return parse(readFileSync(dataDir + name, 'utf8'));
}

export interface FieldMaps {
  windows_xml: Record<string, string[]>;
  ecs: Record<string, string[]>;
}

export interface Route {
  service: string;
  conditions: Record<string, Array<string | number>>;
  fields?: Record<string, string>;
}

export interface ProductRoutes {
  services: Record<string, string[]>;
  categories: Record<string, Route[]>;
}

export type Logsources = Record<string, ProductRoutes>;

let fieldMaps: FieldMaps | undefined;
let logsources: Logsources | undefined;
let placeholders: Record<string, string[]> | undefined;

export function loadFieldMaps(): FieldMaps {
  return (fieldMaps ??= load('fieldmaps.yml') as FieldMaps);
}

export function loadLogsources(): Logsources {
  if (logsources === undefined) {
    const raw = load('logsources.yml') as Logsources;
    logsources = raw;
  }
  return logsources;
}

export function loadPlaceholders(): Record<string, string[]> {
  if (placeholders === undefined) {
    const raw = (load('placeholders.yml') ?? {}) as Record<string, unknown>;
    const out: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(raw)) out[k] = Array.isArray(v) ? v.map(String) : [];
    placeholders = out;
  }
  return placeholders;
}
