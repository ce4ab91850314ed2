// Plain-Node run: the pure SAML core tests, the dev-only demo IdP tests, the layout's import
// boundaries (they read the source files), the D1 migrations applied to node:sqlite, and the
// docs' code snippets run as printed (test/docs).
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/saml/**/*.test.ts', 'test/dev/**/*.test.ts', 'test/architecture/**/*.test.ts', 'test/migrations/**/*.test.ts', 'test/docs/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
})
