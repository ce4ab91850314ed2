// Worker tests: run inside workerd (@cloudflare/vitest-plugin) with real D1, KV and WebCrypto.
// Migrations from migrations/ are applied in test/setup/apply-migrations.ts; storage is isolated
// per test file by the plugin.
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { kCurrentWorker } from 'miniflare'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Real IdP metadata from the shared interop corpus, handed to workerd tests as bindings (they
// cannot read the disk). Read in place; a missing corpus fails the run rather than skipping.
const interopDir = process.env.SAML_INTEROP_DIR ?? fileURLToPath(new URL('../shared/interop', import.meta.url))
const interop = (path: string) => readFileSync(join(interopDir, path), 'utf8')

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: './wrangler.toml' },
      // The gateway as deployed, with the console Worker as its entrypoint `Console` (test/setup/worker.ts).
      main: './test/setup/worker.ts',
      miniflare: {
        serviceBindings: { CONSOLE: { name: kCurrentWorker, entrypoint: 'Console' } },
        bindings: {
          ADMIN_TOKEN: 'test-admin-token-0123456789abcdef0123456789',
          SSO_SECRET: 'test-sso-secret-0123456789abcdef0123456789abcdef',
          PORTAL_ORIGIN: 'http://portal.test',
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL('./migrations', import.meta.url))),
          TEST_OKTA_METADATA: interop('metadata/okta-app-metadata-2020.xml'),
          TEST_SWAMID_METADATA: interop('metadata/swamid-test-federation-aggregate.xml'),
        },
      },
    })),
  ],
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    // test/saml, test/dev, test/architecture, test/migrations and test/docs run in plain Node (they read files, spawn openssl/xmlsec1/python3, use node:sqlite).
    exclude: ['test/browser/**', 'test/saml/**', 'test/dev/**', 'test/architecture/**', 'test/migrations/**', 'test/docs/**', 'node_modules/**'],
    setupFiles: ['./test/setup/apply-migrations.ts'],
    testTimeout: 30_000,
  },
})
