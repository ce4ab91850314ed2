// Browser tests: playwright-core drives Debian's Chromium against a real `wrangler dev` stack
// (started once in test/browser/global-setup.ts with its own ports and a throwaway local state).
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['./test/browser/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
})
