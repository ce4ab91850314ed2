// Plain-Node run of the pure SAML core tests (the same files also run inside workerd).
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/saml/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
})
