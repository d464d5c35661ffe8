// Font files for PDF reports: a configured path, else Noto Sans JP from its npm package (SIL OFL 1.1, see
// NOTICE), so a fresh `npm ci` renders Japanese with no system font. Files are read once per path.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { MamoriError } from '@mamori/core';
import type { FontOptions } from './model.js';

const require = createRequire(import.meta.url);
const cache = new Map<string, Buffer>();

const BUNDLED = {
  regular: '@expo-google-fonts/noto-sans-jp/400Regular/NotoSansJP_400Regular.ttf',
  bold: '@expo-google-fonts/noto-sans-jp/700Bold/NotoSansJP_700Bold.ttf',
};

function load(path: string): Buffer {
  let b = cache.get(path);
  if (!b) {
    try {
      b = readFileSync(path);
    } catch (e) {
      throw new MamoriError('MAMORI_CONFIG_INVALID', {
        reason: `report font ${path} cannot be read: ${(e as Error).message}`,
      });
    }
    cache.set(path, b);
  }
  return b;
}

export function fontPaths(opts: FontOptions = {}): { regular: string; bold: string } {
  const regular = opts.fontPath ?? require.resolve(BUNDLED.regular);
  const bold = opts.boldFontPath ?? (opts.fontPath ? opts.fontPath : require.resolve(BUNDLED.bold));
  return { regular, bold };
}

export function reportFonts(opts: FontOptions = {}): { regular: Buffer; bold: Buffer } {
  const p = fontPaths(opts);
  return { regular: load(p.regular), bold: load(p.bold) };
}
