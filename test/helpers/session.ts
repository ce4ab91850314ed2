// Test helper: a stored portal session (real KV) and the cookie header that names it.
import { env } from 'cloudflare:workers'
import { SESSION_COOKIE } from '../../src/sso/sessions'
import { createSession, type Session } from '../../src/store/sessions'

export function sampleSession(overrides: Partial<Session> = {}): Session {
  const now = Date.now()
  return {
    idpId: 'idp_1',
    idpSlug: 'acme-okta',
    nameId: 'jane@acme.example',
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    sessionIndex: 's-1',
    email: 'jane@acme.example',
    displayName: 'Jane Doe',
    groups: ['support', 'admins'],
    createdAt: now,
    expiresAt: now + 3600_000,
    ...overrides,
  }
}

export async function sessionCookie(session: Session = sampleSession(), now = new Date()): Promise<string> {
  const token = await createSession(env.SESSIONS, session, (n) => crypto.getRandomValues(new Uint8Array(n)), now)
  return `${SESSION_COOKIE}=${token}`
}
