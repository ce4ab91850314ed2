// Worker tests: run inside workerd (@cloudflare/vitest-plugin) with real D1, KV and WebCrypto.
// Migrations from migrations/ are applied in test/setup/apply-migrations.ts; storage is isolated
// per test file by the plugin.
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          ADMIN_TOKEN: 'test-admin-token-0123456789abcdef0123456789',
          SSO_SECRET: 'test-sso-secret-0123456789abcdef0123456789abcdef',
          PORTAL_ORIGIN: 'http://portal.test',
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL('./migrations', import.meta.url))),
        },
      },
    })),
  ],
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    // test/saml and test/dev run in plain Node (they read the interop corpus, spawn openssl/xmlsec1).
    exclude: ['test/browser/**', 'test/saml/**', 'test/dev/**', 'node_modules/**'],
    setupFiles: ['./test/setup/apply-migrations.ts'],
    testTimeout: 30_000,
  },
})
