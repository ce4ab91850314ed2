// Starts the local stack (demo portal + wrangler dev, fresh local D1/KV) for the browser tests.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { readDevVarsAdminToken, startStack } from '../../dev/stack.mjs'

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string
    portalUrl: string
    adminToken: string
    spUrl: string
    /** The demo DNS-over-HTTPS resolver the gateway checks domains with (POST /records to publish). */
    dnsUrl: string
    idps: { okta: DemoIdp; entra: DemoIdp; oidc: DemoOidcIdp }
  }
}

interface DemoIdp {
  id: string
  name: string
  slug: string
  url: string
  entityId: string
  users: { email: string; note?: string }[]
}

/** The demo OpenID provider (dev/demo-oidc.mjs); `url` is its issuer. */
interface DemoOidcIdp {
  id: string
  name: string
  slug: string
  url: string
  issuer: string
  clientId: string
  /** Fresh at each start: what a customer's IT would paste into a setup link. */
  clientSecret: string
  users: { sub: string; email: string; emailVerified: boolean; displayName: string; groups: string[]; note?: string }[]
}

export default async function setup(project: TestProject) {
  const persistTo = mkdtempSync(join(tmpdir(), 'sso-browser-'))
  const adminToken = 'browser-test-admin-token-0123456789'
  const stack = await startStack({
    gatewayPort: Number(process.env.BROWSER_GATEWAY_PORT ?? 8790),
    portalPort: Number(process.env.BROWSER_PORTAL_PORT ?? 8802),
    oktaPort: Number(process.env.BROWSER_OKTA_PORT ?? 8821),
    entraPort: Number(process.env.BROWSER_ENTRA_PORT ?? 8822),
    oidcPort: Number(process.env.BROWSER_OIDC_PORT ?? 8823),
    spPort: Number(process.env.BROWSER_SP_PORT ?? 8832),
    dnsPort: Number(process.env.BROWSER_DNS_PORT ?? 8854),
    persistTo,
    quiet: true,
    env: { ADMIN_TOKEN: adminToken, SSO_SECRET: 'browser-test-sso-secret-0123456789abcdef' },
  })
  project.provide('gatewayUrl', stack.gatewayUrl)
  project.provide('portalUrl', stack.portalUrl)
  // wrangler dev prefers .dev.vars (a developer's machine) over the environment (CI).
  project.provide('adminToken', readDevVarsAdminToken() ?? adminToken)
  const { okta, entra, oidc } = stack.idps
  if (!okta || !entra || !oidc || !stack.sp) {
    await stack.stop()
    throw new Error('browser tests: the stack started without the demo IdPs or the demo SP (DEMO_IDPS=0 / DEMO_SP=0?)')
  }
  project.provide('idps', { okta, entra, oidc })
  project.provide('spUrl', stack.sp.url)
  project.provide('dnsUrl', stack.dns.url)
  return async () => {
    await stack.stop()
    rmSync(persistTo, { recursive: true, force: true })
  }
}
