module.exports = {
  root: true,
  parser: '@typescript-eslint/parser',
  parserOptions: { project: 'tsconfig.json', tsconfigRootDir: __dirname, sourceType: 'module' },
  plugins: ['@typescript-eslint/eslint-plugin'],
  extends: ['plugin:@typescript-eslint/recommended', 'prettier'],
  env: { node: true, jest: true, es2022: true },
  ignorePatterns: ['.eslintrc.js', 'jest.config.js', 'dist/', 'node_modules/', 'data/', 'public/'],
  rules: {
    '@typescript-eslint/no-explicit-any': 'error',
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    'no-console': 'error',
  },
  overrides: [
    // Plain JavaScript (the engine worker, benchmarks): parsed without type information,
    // and its `require`s are allowed in CommonJS files.
    { files: ['**/*.mjs', '**/*.cjs'], parserOptions: { project: null } },
    { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
    // Benchmarks print their tables.
    { files: ['bench/**'], rules: { 'no-console': 'off' } },
  ],
};
