import { fileURLToPath } from 'node:url';

/** The template corpus shipped with the package (data/nuclei-templates), from src/ or dist/ alike. */
export function templatesDataDir(): string {
  return fileURLToPath(new URL('../../data/nuclei-templates', import.meta.url));
}
