// Plain-Node run: the pure SAML core tests, the dev-only demo IdP tests, and the layout's import
// boundaries (they read the source files).
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/saml/**/*.test.ts', 'test/dev/**/*.test.ts', 'test/architecture/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
})
