// Test helper: a stored portal session (real KV, and its row in the D1 session index) and the
// cookie header that names it. The session's IdP and organization are created when missing, so
// the session passes the tenant check (sso/tenancy.ts liveSession) like one made at the ACS.
import { env } from 'cloudflare:workers'
import { SESSION_COOKIE } from '../../src/sso/sessions'
import { getIdp } from '../../src/store/idps'
import { createSession, type Session } from '../../src/store/sessions'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { seedIdp, TEST_ORG } from './tenants'

export type TestSession = Session & { organizationId: string; organizationSlug: string; subject: string }

export function sampleSession(overrides: Partial<TestSession> = {}): TestSession {
  const now = Date.now()
  const idpSlug = overrides.idpSlug ?? 'acme-okta'
  const nameId = overrides.nameId ?? 'jane@acme.example'
  return {
    idpId: 'idp_1',
    idpSlug,
    organizationId: TEST_ORG.id,
    organizationSlug: TEST_ORG.slug,
    subject: `${idpSlug}:${nameId}`,
    nameId,
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    sessionIndex: 's-1',
    email: 'jane@acme.example',
    emailVerified: true,
    displayName: 'Jane Doe',
    groups: ['support', 'admins'],
    createdAt: now,
    expiresAt: now + 3600_000,
    ...overrides,
  }
}

/** Creates the session's IdP (in its organization) unless an IdP with that id exists. */
export async function ensureSessionIdp(session: Pick<TestSession, 'idpId' | 'idpSlug' | 'organizationId'>): Promise<void> {
  if (await getIdp(env.DB, session.idpId)) return
  await seedIdp(env.DB, session.idpId, {
    name: `IdP ${session.idpSlug}`,
    slug: session.idpSlug,
    entityId: `https://${session.idpSlug}.idp.test/saml`,
    ssoUrl: `https://${session.idpSlug}.idp.test/sso`,
    certificates: [TEST_IDP_CERT],
    organizationId: session.organizationId,
  })
}

export async function sessionCookie(session: TestSession = sampleSession(), now = new Date()): Promise<string> {
  await ensureSessionIdp(session)
  const token = await createSession({ kv: env.SESSIONS, db: env.DB }, session, (n) => crypto.getRandomValues(new Uint8Array(n)), now)
  return `${SESSION_COOKIE}=${token}`
}
