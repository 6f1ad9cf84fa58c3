import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/.data/**', '**/cdk.out/**', '**/web-build/**', '**/.expo/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through the package env.ts only.' },
      ],
    },
  },
  {
    // The places allowed to read process.env: each deployable's env.ts, scripts, benches and test harnesses.
    files: ['**/env.ts', 'scripts/**', '**/scripts/**', 'bench/**', '**/bench/**', '**/e2e/**', '**/testing/**', '**/*.test.ts', '**/vitest.config.ts', 'cdk/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
