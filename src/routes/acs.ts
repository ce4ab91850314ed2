/**
 * POST /sso/acs (HTTP-POST binding): finds the pending login this response answers (or, for an
 * unsolicited response, the IdP its Issuer names), validates with the SAML core, rejects replays,
 * applies the attribute map and allowed groups, then starts the portal session. Every outcome is
 * audited; test-connection runs keep their result for the admin instead of signing anyone in.
 */
import { Hono, type Context } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { auditRequest } from '../middleware/audit'
import { inspectSamlResponse } from '../saml/inspect'
import { isSamlError, mapIdentity, validateSamlResponse, type MappedIdentity, type SamlAssertionResult } from '../saml/index'
import { findIdp, findIdpByEntityId, type IdpRow } from '../store/idps'
import { AUTHN_REQUEST_ISSUER, consumeOnce } from '../store/replay'
import { createSession, deleteSession, SESSION_COOKIE } from '../store/sessions'
import { decryptionKeys } from '../store/sp-keys'
import { clearLoginState, readLoginStates, type LoginState } from './login-state'
import { safeReturnTo } from './return-to'
import { spEndpoints } from './sp-config'
import { storeTestResult } from './test-connection'

/** Replay rows live at least this long, even for assertions with a shorter window. */
const MIN_REPLAY_WINDOW_MS = 10 * 60_000

interface Resolved {
  idp: IdpRow
  state: LoginState | null
}

async function resolveIdp(c: Context<AppEnv>, hints: { issuer: string | null; inResponseTo: string | null }): Promise<Resolved> {
  const states = await readLoginStates(c)
  if (hints.inResponseTo) {
    // Bound to this browser: only a pending login whose cookie this browser holds counts.
    const state = states.find((s) => s.requestId === hints.inResponseTo)
    if (!state) throw new AppError('LOGIN_STATE_MISSING', undefined, { inResponseTo: hints.inResponseTo, pendingLogins: states.length })
    const idp = await findIdp(c.env.DB, state.idpId)
    if (!idp) throw new AppError('LOGIN_IDP_NOT_FOUND', undefined, { idpId: state.idpId })
    return { idp, state }
  }
  const idp = hints.issuer ? await findIdpByEntityId(c.env.DB, hints.issuer) : null
  if (!idp) throw new AppError('LOGIN_UNKNOWN_ISSUER', undefined, { issuer: hints.issuer })
  return { idp, state: null }
}

function isAllowed(idp: IdpRow, identity: MappedIdentity): boolean {
  // No groups attribute means no groups: denied when a list is set (Entra drops groups > 150).
  return idp.allowedGroups.length === 0 || identity.groups.some((g) => idp.allowedGroups.includes(g))
}

export const acsRoutes = new Hono<AppEnv>().post('/acs', async (c) => {
  const now = c.var.deps.clock()
  const form = await c.req.parseBody()
  const samlResponse = typeof form.SAMLResponse === 'string' ? form.SAMLResponse : ''
  const relayState = typeof form.RelayState === 'string' ? form.RelayState : null
  let idp: IdpRow | null = null
  let state: LoginState | null = null
  let result: SamlAssertionResult | null = null
  const audit = (outcome: 'success' | 'failure', code: string | null, detail: Record<string, unknown>, subject: string | null = null) =>
    auditRequest(c, { action: state?.test ? 'login.test' : 'login', idpId: idp?.id ?? null, subject, outcome, code, detail })
  try {
    if (!samlResponse) throw new AppError('BAD_REQUEST', 'SAMLResponse is missing')
    const hints = inspectSamlResponse(samlResponse)
    ;({ idp, state } = await resolveIdp(c, hints))
    if (!idp.enabled && !state?.test) throw new AppError('LOGIN_IDP_DISABLED')
    const sp = await spEndpoints(c)
    result = await validateSamlResponse({
      samlResponse,
      idp: { entityId: idp.entityId, certificates: idp.certificates },
      sp: { entityId: sp.entityId, acsUrl: sp.acsUrl },
      now,
      expectedRequestId: state?.requestId ?? null,
      allowIdpInitiated: idp.allowIdpInitiated,
      clockSkewSeconds: idp.clockSkewSeconds,
      allowSha1: idp.allowSha1 || sp.settings.allowSha1,
      decryptionKeys: hints.hasEncryptedAssertion ? await decryptionKeys(c.env.DB, c.env.SSO_SECRET, now) : [],
    })
    if (idp.wantAssertionsSigned && !result.signedParts.assertion && !result.signedParts.response) throw new AppError('SAML_SIGNATURE_MISSING')
    // Single use: the login state, then the assertion (unique inserts in D1).
    const expiresAt = new Date(Math.max(Date.parse(result.notOnOrAfter), now.getTime() + MIN_REPLAY_WINDOW_MS))
    if (state) {
      clearLoginState(c, state.requestId)
      if (!(await consumeOnce(c.env.DB, AUTHN_REQUEST_ISSUER, state.requestId, expiresAt, now)))
        throw new AppError('SAML_REPLAY', undefined, { requestId: state.requestId })
    }
    if (!(await consumeOnce(c.env.DB, result.issuer, result.assertionId, expiresAt, now))) {
      throw new AppError('SAML_REPLAY', undefined, { assertionId: result.assertionId, issuer: result.issuer })
    }
    const identity = mapIdentity(result, idp.attributeMap)
    if (!isAllowed(idp, identity)) throw new AppError('LOGIN_GROUP_DENIED', undefined, { allowedGroups: idp.allowedGroups, groups: identity.groups })

    if (state?.test) {
      await audit('success', null, { test: true }, result.nameId)
      await storeTestResult(c, state.requestId, { ok: true, idpId: idp.id, result, identity })
      return c.redirect(`/sso/admin/idps/${idp.id}/test/${state.requestId}`, 303)
    }

    const lifetimeMs = sp.settings.sessionLifetimeSeconds * 1000
    const idpCap = result.sessionNotOnOrAfter ? Date.parse(result.sessionNotOnOrAfter) : Number.POSITIVE_INFINITY
    const expiresAtMs = Math.min(now.getTime() + lifetimeMs, idpCap)
    // A new session ID at every login (no fixation); the old session, if any, ends here.
    const previous = getCookie(c, SESSION_COOKIE)
    if (previous) await deleteSession(c.env.SESSIONS, previous)
    const token = await createSession(
      c.env.SESSIONS,
      {
        idpId: idp.id,
        idpSlug: idp.slug,
        nameId: result.nameId,
        nameIdFormat: result.nameIdFormat,
        sessionIndex: result.sessionIndex,
        email: identity.email,
        displayName: identity.displayName ?? ([identity.firstName, identity.lastName].filter(Boolean).join(' ') || null),
        groups: identity.groups,
        createdAt: now.getTime(),
        expiresAt: expiresAtMs,
      },
      c.var.deps.random,
      now,
    )
    setCookie(c, SESSION_COOKIE, token, {
      path: '/',
      secure: true,
      httpOnly: true,
      sameSite: 'Lax',
      maxAge: Math.max(60, Math.floor((expiresAtMs - now.getTime()) / 1000)),
    })
    await audit('success', null, { email: identity.email, groups: identity.groups, warnings: result.warnings, signed: result.signedParts }, result.nameId)
    // IdP-initiated: RelayState is an untrusted path; SP-initiated: the stored return path.
    return c.redirect(state ? state.returnTo : safeReturnTo(relayState), 303)
  } catch (err) {
    const code = err instanceof AppError || isSamlError(err) ? err.code : 'INTERNAL'
    const detail = err instanceof AppError || isSamlError(err) ? { ...err.detail } : { error: String(err) }
    if (code === 'INTERNAL') throw err
    await audit('failure', code, detail, result?.nameId ?? null)
    if (state?.test && idp) {
      await storeTestResult(c, state.requestId, { ok: false, idpId: idp.id, code, detail })
      return c.redirect(`/sso/admin/idps/${idp.id}/test/${state.requestId}`, 303)
    }
    throw err
  }
})
