// Type-aware lint: typescript-eslint's recommended-type-checked set over every TypeScript and
// JavaScript file, plus floating promises, exhaustive switches and thenable checks as errors.
// A rule that does not fit this codebase is turned off here, with the reason, not file by file.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.infra/**', 'data/**', '.run/**', 'coverage/**', 'apps/web/dist*/**'] },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // The few JavaScript files (this one, the load-test entries) are outside tsconfig.json.
        projectService: { allowDefaultProject: ['*.js', 'scripts/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [{ from: 'package', name: ['describe', 'it', 'test', 'suite', 'before', 'after'], package: 'node:test' }],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      // async marks a function that implements a Promise-returning contract (Fastify hooks and
      // handlers, in-memory adapters, bus handlers): a throw becomes a rejection, no await needed.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests read JSON bodies of real HTTP answers as `any` (packages/testing's apiClient) and
    // check them with assertions: the shape is what is under test, so typing it first adds casts,
    // not safety. Production code and bench keep these rules.
    files: ['**/test/**/*.ts', 'packages/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
