// `npm run bench`: the benchmarks run under vitest in plain Node (TypeScript without a build
// step); each prints its own table. Not part of `npm test`.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['bench/**/*.run.ts'],
    environment: 'node',
    testTimeout: 600_000,
    fileParallelism: false,
  },
})
