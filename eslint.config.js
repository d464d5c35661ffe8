// Lint: typescript-eslint recommended, plus the package layering written down as data.
// A package may import only the @mamori packages listed for it: dependencies point one way
// (core → engines → store → platform → server/cli; console stands alone in the browser).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const layers = {
  core: [],
  sigma: ['core'],
  evtx: ['core'],
  parsers: ['core', 'evtx'],
  asm: ['core'],
  store: ['core'],
  platform: ['core', 'store', 'sigma', 'evtx', 'parsers', 'asm'],
  server: ['core', 'store', 'platform'],
  cli: ['core', 'store', 'platform', 'server', 'sigma', 'evtx', 'parsers', 'asm'],
  console: [],
};
const all = Object.keys(layers);

function layerRule(files, pkg, allowed) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: all
            .filter((p) => p !== pkg && !allowed.includes(p))
            .map((p) => ({
              group: [`@mamori/${p}`, `@mamori/${p}/*`],
              message: `packages/${pkg} may not import @mamori/${p} (see docs/architecture.md: dependencies point one way).`,
            }))
            .concat([
              { group: ['../../*/src/*', '../../../*/src/*'], message: 'Import other packages by name.' },
            ]),
        },
      ],
    },
  };
}

// The console's browser test starts the real server and platform; the console app itself talks only HTTP.
const testLayers = { console: ['core', 'store', 'platform', 'server'] };

const layerRules = Object.entries(layers).flatMap(([pkg, allowed]) => [
  layerRule([`packages/${pkg}/**/*.{ts,tsx}`], pkg, allowed),
  ...(testLayers[pkg] ? [layerRule([`packages/${pkg}/test/**/*.{ts,tsx}`], pkg, testLayers[pkg])] : []),
]);

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'var/**',
      'packages/*/data/**',
      '**/fixtures/**',
      'bench-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-control-regex': 'off',
    },
  },
  { files: ['packages/console/**/*.{ts,tsx}'], languageOptions: { globals: { ...globals.browser } } },
  ...layerRules,
);
