// One flat config for the whole repository. The import restrictions encode the design's
// dependency direction: actions → pipeline → verify → talos → {oci, boot → kmod} → common; only actions/* may
// import @actions/*; the actions share code through the action-kit package, by name.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const actionsToolkit = { group: ['@actions/*'], message: 'Only actions/* import @actions/*.' };
const forbid = (...names) =>
  names.map((n) => ({ group: [`@talos-kmod/${n}`], message: `Dependencies point one way.` }));
const relativeInto = {
  group: ['**/packages/*/src/**', '../../*/src/**'],
  message: 'Import a sibling package by its name.',
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'actions/*/dist/**',
      'packages/cli/dist/**',
      'coverage/**',
      'bench/.work/**',
      '.tmp/**',
      'test/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...[
    ['common', ['oci', 'kmod', 'boot', 'talos', 'verify', 'pipeline', 'cli']],
    ['oci', ['kmod', 'boot', 'talos', 'verify', 'pipeline', 'cli']],
    ['kmod', ['oci', 'boot', 'talos', 'verify', 'pipeline', 'cli']],
    ['boot', ['oci', 'talos', 'verify', 'pipeline', 'cli']],
    ['talos', ['verify', 'pipeline', 'cli']],
    ['verify', ['pipeline', 'cli']],
    ['pipeline', ['cli']],
    ['cli', []],
  ].map(([pkg, banned]) => ({
    files: [`packages/${pkg}/src/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [actionsToolkit, relativeInto, ...forbid(...banned)] },
      ],
    },
  })),
  {
    // the actions: the top layer. They may use @actions/*, reach the packages and the action-kit
    // by name only (never a relative path into another folder's src), and never the CLI.
    files: ['actions/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [relativeInto, ...forbid('cli')] }],
    },
  },
  {
    // core.info writes its text raw, where the runner may read a workflow command in it: actions
    // log through the action-kit's logInfo / createActionsLogger, which neutralise such text
    files: ['actions/*/src/**/*.ts'],
    ignores: ['actions/action-kit/src/logger.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'core',
          property: 'info',
          message:
            "core.info writes raw lines the runner may run as workflow commands: use logInfo from '@talos-kmod/action-kit'.",
        },
      ],
    },
  },
  {
    // the CLI's JSON results go through jsonText, which writes no text a GitHub Actions runner
    // could read as a workflow command (text results are guarded by the CLI's stdout itself)
    files: ['packages/cli/src/**/*.ts'],
    ignores: ['packages/cli/src/io.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'JSON',
          property: 'stringify',
          message:
            'print JSON with jsonText from packages/cli/src/io.ts: it escapes text the runner would run as a workflow command.',
        },
      ],
    },
  },
  {
    // a focused test (it.only, fdescribe…) silently skips every other test in its file
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['it', 'test', 'describe'].map((object) => ({
          object,
          property: 'only',
          message: 'Focused tests skip the rest of the file: remove .only before committing.',
        })),
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fit', message: 'Focused tests skip the rest of the file: use it.' },
        { name: 'fdescribe', message: 'Focused tests skip the rest of the file: use describe.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@jest/globals',
              importNames: ['fit', 'fdescribe'],
              message: 'Focused tests skip the rest of the file: use it/describe.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', __dirname: 'readonly', module: 'writable' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
