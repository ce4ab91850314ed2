// Applies the D1 migrations before each test file (storage is isolated per file).
import { applyD1Migrations, env, type D1Migration } from 'cloudflare:test'

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[]
      TEST_OKTA_METADATA: string
      TEST_SWAMID_METADATA: string
    }
  }
}

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)
