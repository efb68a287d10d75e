import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/.next/**', '**/next-env.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use crypto/tokens.ts for anything random.' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  // The layers (README, Architecture): http parses and serializes, domain decides, store persists.
  layer('src/store/**', 'store persists and knows nothing above it', ['domain', 'http', 'wire', 'mcp', 'jobs', 'cli']),
  layer('src/crypto/**', 'crypto is a leaf: keys, hashes, signatures', ['domain', 'store', 'http', 'wire', 'mcp', 'jobs', 'cli']),
  layer('src/domain/**', 'domain never sees a request, a reply or a job; event payloads come from domain/events/catalog.ts', ['http', 'mcp', 'jobs', 'cli', 'wire']),
  {
    files: ['src/**'],
    ignores: ['src/store/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)$/]',
          message: 'Only src/store builds SQL: add a function to a repository in src/store/repositories/.',
        },
      ],
    },
  },
  layer('src/domain/events/catalog.ts', 'the event catalog is the one domain module that builds wire shapes', ['http', 'mcp', 'jobs', 'cli']),
  layer('src/wire/**', 'wire shapes domain objects; it may name their types only', ['store', 'http', 'mcp', 'jobs', 'cli'], ['domain']),
  layer('src/http/**', 'http calls the domain, never the store (naming its types is fine)', ['jobs', 'cli'], ['store']),
  layer('src/mcp/**', 'MCP tools call the Backend API over HTTP; they share its request shapes only', ['store', 'http', 'jobs', 'cli']),
);

/** Forbids `folder`'s files to import from the `denied` folders, and to import anything but types from `typesOnly`. */
function layer(files, why, denied, typesOnly = []) {
  const folders = (names) => `(^|/)(${names.join('|')})/`;
  const patterns = [{ regex: folders(denied), message: why }];
  if (typesOnly.length > 0) patterns.push({ regex: folders(typesOnly), message: why, allowTypeImports: true });
  return { files: [files], rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] } };
}
