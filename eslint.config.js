// Lint enforces the layering of the design notes: routes → services → repos → db.
import tseslint from 'typescript-eslint';

const dbLayer = ['**/db/connection*', '**/db/migrator*', '**/repos/*', 'kysely', 'pg', '@electric-sql/pglite*'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'static/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Migrations run on an untyped Kysely: the schema they build is the one being defined.
    files: ['migrations/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['server/routes/**/*.ts', 'server/presenters/**/*.ts', 'server/view-helpers/**/*.ts', 'server/policies/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: dbLayer, allowTypeImports: true, message: 'Routes, presenters and policies never reach the database: go through a service.' }],
      }],
    },
  },
  {
    files: ['server/services/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['fastify', '@fastify/*', '**/routes/*', '**/plugins/*'], message: 'Services never see request/reply or HTTP plumbing.' },
        ],
      }],
    },
  },
  {
    files: ['server/repos/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/services/*', '**/routes/*', 'fastify', '@fastify/*'], message: 'Repos only build queries.' }],
      }],
    },
  },
);
