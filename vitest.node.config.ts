// Plain-Node run: the pure SAML core tests and the dev-only demo IdP tests.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/saml/**/*.test.ts', 'test/dev/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
})
