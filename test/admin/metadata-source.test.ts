// Where IdP metadata comes from (admin/metadata-source.ts): pasted XML or a URL fetched through a
// mocked global fetch, web pages and certificates named as such, the entity chosen from real Okta
// and SWAMID metadata (never the first of several silently), expiry, the IdP fields read from it,
// and what a refresh reports as changed.
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  assertNotExpired,
  fetchMetadata,
  fieldsFromMetadata,
  loadIdpMetadata,
  MAX_ENTITY_CHOICES,
  MAX_METADATA_REDIRECTS,
  METADATA_FETCH_TIMEOUT_MS,
  readMetadataSource,
  refreshedFields,
} from '../../src/admin/metadata-source'
import { MAX_METADATA_BYTES } from '../../src/saml/limits'
import { OTHER_IDP_CERT, OTHER_IDP_KEY, TEST_IDP_CERT, TEST_IDP_KEY } from '../fixtures/idp-keys'
import { signMetadata } from '../helpers/signed-metadata'

const URL_ = 'https://acme.okta.example/app/metadata'
const OKTA_ENTITY_ID = 'http://www.okta.com/exkppsa1qwuFV4D7z0h7'
const OKTA_SSO_URL = 'https://dev-513394.oktapreview.com/app/rstudioincdev513394_dev_1/exkppsa1qwuFV4D7z0h7/sso/saml'
const UMU_ENTITY_ID = 'https://idp.umu.se/saml2/idp/metadata.php'
const OTHER_DER = OTHER_IDP_CERT.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
/** Pinned: the Okta certificate is valid until 2028, the SWAMID ones expired in 2012 at the latest. */
const NOW = new Date('2026-06-01T00:00:00Z')
const notXml = (field: string, found: string) => expect.objectContaining({ code: 'ADMIN_METADATA_NOT_XML', detail: { field, found } })

const invalidField = (field: string) => expect.objectContaining({ code: 'ADMIN_INVALID_FIELD', detail: expect.objectContaining({ field }) })
const fetchFailed = expect.objectContaining({ code: 'ADMIN_METADATA_FETCH_FAILED', detail: { field: 'metadataUrl' } })

/** The Okta entity under each of `ids`: an aggregate of usable IdPs. */
function aggregateOf(ids: string[]): string {
  const entity = env.TEST_OKTA_METADATA.replace(/^<\?xml[^>]*>/, '')
  const as = (id: string) => entity.replace(/entityID="[^"]+"/, `entityID="${id}"`)
  return `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${ids.map(as).join('')}</md:EntitiesDescriptor>`
}

/** The Okta entity twice under other entity IDs: an aggregate with two usable IdPs. */
const twoIdpAggregate = () => aggregateOf(['urn:idp:one', 'urn:idp:two'])

/** The Okta metadata with `names` (mdui:UIInfo in the role's Extensions, md:Organization) added. */
function oktaNamed(names: { displayName?: string; organization?: string }): string {
  const mdui = names.displayName
    ? `<md:Extensions><mdui:UIInfo xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui"><mdui:DisplayName xml:lang="en">${names.displayName}</mdui:DisplayName></mdui:UIInfo></md:Extensions>`
    : ''
  const organization = names.organization
    ? `<md:Organization><md:OrganizationName xml:lang="en">acme-inc</md:OrganizationName><md:OrganizationDisplayName xml:lang="en">${names.organization}</md:OrganizationDisplayName><md:OrganizationURL xml:lang="en">https://acme.example</md:OrganizationURL></md:Organization>`
    : ''
  return env.TEST_OKTA_METADATA.replace(/(<md:IDPSSODescriptor[^>]*>)/, `$1${mdui}`).replace('</md:IDPSSODescriptor>', `</md:IDPSSODescriptor>${organization}`)
}

/** Serves `body()` at URL_ through the mocked global fetch; anything else is a 404. */
function serve(body: () => BodyInit, init: ResponseInit = {}) {
  return vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
    const url = input instanceof Request ? input.url : String(input)
    return url === URL_ ? new Response(body(), init) : new Response('not found', { status: 404 })
  })
}

/**
 * A small web: each URL answers with its response; like the real fetch, `redirect: 'follow'`
 * (the default) follows 3xx Locations anywhere, and 'manual' hands the 3xx back.
 */
function web(pages: Record<string, () => Response>) {
  return vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    let url = input instanceof Request ? input.url : String(input)
    for (let hops = 0; hops < 20; hops++) {
      const res = pages[url]?.() ?? new Response('not found', { status: 404 })
      const location = res.headers.get('location')
      if ((init?.redirect ?? 'follow') !== 'follow' || !location || res.status < 300 || res.status > 399) return res
      url = new URL(location, url).href
    }
    throw new TypeError('too many redirects')
  })
}
const redirect =
  (location: string, status = 302) =>
  () =>
    new Response(null, { status, headers: { location } })

/** The Okta metadata (or `xml`), signed at its root with `key`. */
const signedOkta = (key: string, cert: string, xml = env.TEST_OKTA_METADATA) => signMetadata(xml, key, cert)

afterEach(() => {
  vi.restoreAllMocks()
})

describe('fetchMetadata', () => {
  it('returns the document, asking for SAML metadata with a timeout', async () => {
    const spy = serve(() => env.TEST_OKTA_METADATA)
    expect(await fetchMetadata(URL_)).toBe(env.TEST_OKTA_METADATA)
    const init = spy.mock.calls[0]![1]!
    expect(new Headers(init.headers).get('accept')).toContain('application/samlmetadata+xml')
    expect(init.signal).toBeInstanceOf(AbortSignal)
  })

  it('refuses a plain-http URL by name without fetching it', async () => {
    const spy = serve(() => env.TEST_OKTA_METADATA)
    await expect(fetchMetadata('http://acme.okta.example/app/metadata')).rejects.toThrow(invalidField('metadataUrl'))
    expect(spy).not.toHaveBeenCalled()
  })

  it.each([404, 403, 500, 503])('fails with ADMIN_METADATA_FETCH_FAILED on HTTP %i', async (status) => {
    serve(() => 'error page', { status })
    await expect(fetchMetadata(URL_)).rejects.toThrow(fetchFailed)
  })

  it('fails with ADMIN_METADATA_FETCH_FAILED when the host cannot be reached', async () => {
    vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('Network connection lost.'))
    await expect(fetchMetadata(URL_)).rejects.toThrow(fetchFailed)
  })

  it(`fails with ADMIN_METADATA_FETCH_FAILED when there is no answer within ${METADATA_FETCH_TIMEOUT_MS / 1000} s`, async () => {
    // The timeout signal fires at once; the fetch, like the real one, gives up with its reason.
    const timeout = vi.spyOn(AbortSignal, 'timeout').mockImplementation(() => AbortSignal.abort(new DOMException('The operation timed out.', 'TimeoutError')))
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (_input, init) => {
      init?.signal?.throwIfAborted()
      return new Response(env.TEST_OKTA_METADATA)
    })
    await expect(fetchMetadata(URL_)).rejects.toThrow(fetchFailed)
    expect(timeout).toHaveBeenCalledWith(METADATA_FETCH_TIMEOUT_MS)
  })

  it('fails with ADMIN_METADATA_FETCH_FAILED on a body over MAX_METADATA_BYTES, and stops reading it', async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x20)
    let sent = 0
    let cancelled = false
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.length
        controller.enqueue(chunk)
      },
      cancel() {
        cancelled = true
      },
    })
    serve(() => body)
    await expect(fetchMetadata(URL_)).rejects.toThrow(fetchFailed)
    expect(cancelled).toBe(true)
    expect(sent).toBeLessThan(MAX_METADATA_BYTES + 4 * chunk.length)
  })

  it('follows a redirect on the same host, checking each hop, without letting fetch follow it', async () => {
    const spy = web({
      [URL_]: redirect('/app/metadata/v2', 301),
      'https://acme.okta.example/app/metadata/v2': redirect('https://acme.okta.example/app/metadata/v3', 307),
      'https://acme.okta.example/app/metadata/v3': () => new Response(env.TEST_OKTA_METADATA),
    })
    expect(await fetchMetadata(URL_)).toBe(env.TEST_OKTA_METADATA)
    expect(spy.mock.calls.map(([input, init]) => [String(input), init?.redirect])).toEqual([
      [URL_, 'manual'],
      ['https://acme.okta.example/app/metadata/v2', 'manual'],
      ['https://acme.okta.example/app/metadata/v3', 'manual'],
    ])
  })

  it.each([
    ['from https down to http', 'http://acme.okta.example/app/metadata', /from https to http/],
    ['to another host', 'https://evil.example/metadata.xml', /another host \(evil\.example\)/],
    ['to a port of its own on the same name', 'https://acme.okta.example:8443/metadata.xml', /another host/],
    ['to a file URL', 'file:///etc/passwd', /from https to file/],
  ])('refuses a redirect %s, naming it, and fetches nothing there', async (_name, location, reason) => {
    const spy = web({ [URL_]: redirect(location), [location]: () => new Response(env.TEST_OKTA_METADATA) })
    await expect(fetchMetadata(URL_)).rejects.toThrow(expect.objectContaining({ code: 'ADMIN_METADATA_FETCH_FAILED', message: expect.stringMatching(reason) }))
    expect(spy).toHaveBeenCalledTimes(1)
  })

  it(`refuses more than ${MAX_METADATA_REDIRECTS} redirects, and a redirect without a Location`, async () => {
    const pages: Record<string, () => Response> = {}
    for (let i = 0; i <= MAX_METADATA_REDIRECTS + 1; i++) pages[`${URL_}/${i}`] = redirect(`${URL_}/${i + 1}`)
    pages[`${URL_}/${MAX_METADATA_REDIRECTS + 2}`] = () => new Response(env.TEST_OKTA_METADATA)
    web(pages)
    await expect(fetchMetadata(`${URL_}/1`)).rejects.toThrow(expect.objectContaining({ message: expect.stringMatching(/more than 3 redirects/) }))
    web({ [URL_]: () => new Response(null, { status: 302 }) })
    await expect(fetchMetadata(URL_)).rejects.toThrow(expect.objectContaining({ message: expect.stringMatching(/without a Location/) }))
  })

  it.each([
    [
      'served as text/html',
      () => new Response('<head><title>Sign in</title></head><body>…</body>', { headers: { 'content-type': 'text/html; charset=utf-8' } }),
    ],
    [
      'whose body starts with <!DOCTYPE html>, whatever its type',
      () => new Response('\n  <!DOCTYPE html>\n<html lang="en">…', { headers: { 'content-type': 'application/xml' } }),
    ],
    ['whose body starts with <html>', () => new Response('<html><body>Sign in</body></html>')],
    [
      'in XHTML',
      () => new Response('<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x"><html xmlns="http://www.w3.org/1999/xhtml"/>'),
    ],
  ])('refuses a web page %s with ADMIN_METADATA_NOT_XML, before the parser sees a DOCTYPE', async (_name, page) => {
    web({ [URL_]: page })
    await expect(fetchMetadata(URL_)).rejects.toThrow(notXml('metadataUrl', 'web-page'))
  })

  it('takes metadata a server labels text/html', async () => {
    serve(() => env.TEST_OKTA_METADATA, { headers: { 'content-type': 'text/html' } })
    expect(await fetchMetadata(URL_)).toBe(env.TEST_OKTA_METADATA)
  })

  it('reads a body of exactly MAX_METADATA_BYTES', async () => {
    serve(() => ' '.repeat(MAX_METADATA_BYTES))
    expect((await fetchMetadata(URL_)).length).toBe(MAX_METADATA_BYTES)
  })
})

describe('readMetadataSource', () => {
  it('takes pasted XML first, with no URL', async () => {
    const spy = serve(() => 'fetched')
    expect(await readMetadataSource({ metadataXml: '<x/>', metadataUrl: URL_ })).toEqual({ xml: '<x/>', metadataUrl: null })
    expect(spy).not.toHaveBeenCalled()
  })

  it('fetches the URL when no XML is pasted, and says where it came from', async () => {
    serve(() => env.TEST_OKTA_METADATA)
    expect(await readMetadataSource({ metadataXml: '   ', metadataUrl: URL_ })).toEqual({ xml: env.TEST_OKTA_METADATA, metadataUrl: URL_ })
  })

  it('refuses a pasted web page with ADMIN_METADATA_NOT_XML, naming metadataXml', async () => {
    await expect(readMetadataSource({ metadataXml: '  <!doctype html><title>Sign in</title>' })).rejects.toThrow(notXml('metadataXml', 'web-page'))
  })

  it('names metadataXml when neither is given', async () => {
    await expect(readMetadataSource({})).rejects.toThrow(invalidField('metadataXml'))
    await expect(readMetadataSource({ metadataXml: 42, metadataUrl: ' ' })).rejects.toThrow(invalidField('metadataXml'))
  })

  it('names metadataUrl for a URL that is not https', async () => {
    await expect(readMetadataSource({ metadataUrl: 'file:///etc/passwd' })).rejects.toThrow(invalidField('metadataUrl'))
  })
})

describe('loadIdpMetadata', () => {
  it('reads the real Okta metadata', async () => {
    const { idp, metadataUrl } = await loadIdpMetadata({ metadataXml: env.TEST_OKTA_METADATA })
    expect(metadataUrl).toBeNull()
    expect(idp).toMatchObject({
      entityId: OKTA_ENTITY_ID,
      ssoUrls: { 'HTTP-POST': OKTA_SSO_URL, 'HTTP-Redirect': OKTA_SSO_URL },
      wantAuthnRequestsSigned: false,
    })
    expect(idp.signingCertificates).toHaveLength(1)
  })

  it('takes the IdP named by entityId out of the SWAMID aggregate', async () => {
    const { idp } = await loadIdpMetadata({ metadataXml: env.TEST_SWAMID_METADATA, entityId: UMU_ENTITY_ID })
    expect(idp).toMatchObject({ entityId: UMU_ENTITY_ID, supportsSaml2: true })
  })

  it('asks which IdP of the SWAMID aggregate to take, even though only one speaks SAML 2.0: ADMIN_METADATA_CHOOSE_ENTITY lists them, usable first', async () => {
    const err = await loadIdpMetadata({ metadataXml: env.TEST_SWAMID_METADATA }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ADMIN_METADATA_CHOOSE_ENTITY', detail: { field: 'entityId', count: 10 } })
    const { entities } = (err as { detail: { entities: { entityId: string; name: string | null; problem: string | null }[] } }).detail
    expect(entities).toHaveLength(10)
    expect(entities[0]).toEqual({ entityId: UMU_ENTITY_ID, name: 'Umeå university (New SAML2)', problem: null })
    expect(entities.slice(1).every((e) => e.problem !== null)).toBe(true)
    expect(entities.find((e) => e.entityId === 'https://idp.hig.se/identity')).toMatchObject({ problem: expect.stringMatching(/SAML 2\.0/) })
  })

  it('names entityId when the aggregate has no such IdP', async () => {
    await expect(loadIdpMetadata({ metadataXml: env.TEST_SWAMID_METADATA, entityId: 'https://idp.nowhere.example/idp' })).rejects.toThrow(
      invalidField('entityId'),
    )
    // An SP of the aggregate is not an IdP either.
    await expect(loadIdpMetadata({ metadataXml: env.TEST_SWAMID_METADATA, entityId: 'https://www.cambro.umu.se/shibboleth' })).rejects.toThrow(
      invalidField('entityId'),
    )
  })

  it('never takes the first IdP of an aggregate: ADMIN_METADATA_CHOOSE_ENTITY, then the one named', async () => {
    await expect(loadIdpMetadata({ metadataXml: twoIdpAggregate() })).rejects.toMatchObject({
      code: 'ADMIN_METADATA_CHOOSE_ENTITY',
      detail: {
        field: 'entityId',
        count: 2,
        entities: [
          { entityId: 'urn:idp:one', name: null, problem: null },
          { entityId: 'urn:idp:two', name: null, problem: null },
        ],
      },
    })
    // A blank entityId (the console's empty choice) is no choice.
    await expect(loadIdpMetadata({ metadataXml: twoIdpAggregate(), entityId: ' ' })).rejects.toMatchObject({ code: 'ADMIN_METADATA_CHOOSE_ENTITY' })
    expect((await loadIdpMetadata({ metadataXml: twoIdpAggregate(), entityId: 'urn:idp:two' })).idp.entityId).toBe('urn:idp:two')
  })

  it(`lists at most ${MAX_ENTITY_CHOICES} entities of a large aggregate, and says how many there are`, async () => {
    const ids = Array.from({ length: MAX_ENTITY_CHOICES + 1 }, (_, i) => `urn:idp:${i}`)
    await expect(loadIdpMetadata({ metadataXml: aggregateOf(ids) })).rejects.toMatchObject({
      code: 'ADMIN_METADATA_CHOOSE_ENTITY',
      detail: { count: MAX_ENTITY_CHOICES + 1, entities: expect.objectContaining({ length: MAX_ENTITY_CHOICES }) },
    })
  })

  it('refuses a pasted certificate with ADMIN_METADATA_NOT_XML, saying what it is', async () => {
    const err = await loadIdpMetadata({ metadataXml: `\n${TEST_IDP_CERT}` }).catch((e: unknown) => e)
    expect(err).toMatchObject(notXml('metadataXml', 'certificate'))
    expect((err as Error).message).toMatch(/certificate, not metadata.*Signing certificates/)
  })

  it('refuses a named IdP that speaks only SAML 1.1 with SAML_METADATA_INVALID', async () => {
    await expect(loadIdpMetadata({ metadataXml: env.TEST_SWAMID_METADATA, entityId: 'https://idp.hig.se/identity' })).rejects.toMatchObject({
      code: 'SAML_METADATA_INVALID',
    })
  })

  it('refuses XML that is not metadata with SAML_METADATA_INVALID, and a web page with ADMIN_METADATA_NOT_XML', async () => {
    await expect(loadIdpMetadata({ metadataXml: '<rss version="2.0"><channel/></rss>' })).rejects.toMatchObject({ code: 'SAML_METADATA_INVALID' })
    // Before issue 14 this answered SAML_DTD_FORBIDDEN (the parser saw <!DOCTYPE html>).
    await expect(loadIdpMetadata({ metadataXml: '<!DOCTYPE html><html><body>Sign in</body></html>' })).rejects.toThrow(notXml('metadataXml', 'web-page'))
  })

  it('loads from a URL and passes the URL on', async () => {
    serve(() => env.TEST_OKTA_METADATA)
    const { idp, metadataUrl } = await loadIdpMetadata({ metadataUrl: URL_ })
    expect([idp.entityId, metadataUrl]).toEqual([OKTA_ENTITY_ID, URL_])
  })
})

describe('assertNotExpired', () => {
  it('passes metadata with nothing expired', async () => {
    const { idp } = await loadIdpMetadata({ metadataXml: env.TEST_OKTA_METADATA })
    expect(() => assertNotExpired(idp, NOW)).not.toThrow()
  })

  it('refuses an expired signing certificate with ADMIN_METADATA_EXPIRED, naming it and when', async () => {
    const { idp } = await loadIdpMetadata({ metadataXml: env.TEST_SWAMID_METADATA, entityId: UMU_ENTITY_ID })
    const err = (() => {
      try {
        assertNotExpired(idp, NOW)
      } catch (e) {
        return e as Error & { detail: Record<string, unknown> }
      }
    })()
    expect(err).toMatchObject({
      code: 'ADMIN_METADATA_EXPIRED',
      detail: {
        field: 'importAnyway',
        entityId: UMU_ENTITY_ID,
        expired: [{ part: 'signingCertificate', at: '2012-02-05T11:55:56Z', subject: expect.stringContaining('CN=idp.umu.se') }],
      },
    })
    expect(err!.message).toContain('expired on 2012-02-05T11:55:56Z')
    expect(() => assertNotExpired(idp, new Date('2011-01-01T00:00:00Z'))).not.toThrow()
  })

  it('refuses metadata past its validUntil, naming it', async () => {
    const stale = env.TEST_OKTA_METADATA.replace('<md:EntityDescriptor ', '<md:EntityDescriptor validUntil="2026-05-31T00:00:00Z" ')
    const { idp } = await loadIdpMetadata({ metadataXml: stale })
    expect(() => assertNotExpired(idp, NOW)).toThrow(
      expect.objectContaining({
        code: 'ADMIN_METADATA_EXPIRED',
        detail: expect.objectContaining({ expired: [{ part: 'validUntil', at: '2026-05-31T00:00:00Z' }] }),
      }),
    )
  })
})

describe('fieldsFromMetadata', () => {
  it('prefers the HTTP-Redirect SSO endpoint and names the IdP after the entity host', async () => {
    const { idp } = await loadIdpMetadata({ metadataXml: env.TEST_OKTA_METADATA })
    expect(fieldsFromMetadata(idp, URL_)).toEqual({
      name: 'www.okta.com',
      entityId: OKTA_ENTITY_ID,
      ssoUrl: OKTA_SSO_URL,
      ssoBinding: 'redirect',
      sloUrl: null,
      sloBinding: null,
      certificates: idp.signingCertificates,
      signAuthnRequests: false,
      metadataUrl: URL_,
    })
  })

  it('uses the HTTP-POST endpoint when there is no redirect one', async () => {
    const postOnly = env.TEST_OKTA_METADATA.replace(/<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"[^>]*\/>/, '')
    const { idp } = await loadIdpMetadata({ metadataXml: postOnly })
    expect(fieldsFromMetadata(idp, null)).toMatchObject({ ssoUrl: OKTA_SSO_URL, ssoBinding: 'post', metadataUrl: null })
  })

  it('takes the single logout endpoint and the signing wish', async () => {
    const wantsSigned = env.TEST_OKTA_METADATA.replace('WantAuthnRequestsSigned="false"', 'WantAuthnRequestsSigned="true"')
    const { idp } = await loadIdpMetadata({ metadataXml: wantsSigned })
    expect(fieldsFromMetadata(idp, null).signAuthnRequests).toBe(true)
    const umu = (await loadIdpMetadata({ metadataXml: env.TEST_SWAMID_METADATA, entityId: UMU_ENTITY_ID })).idp
    expect(fieldsFromMetadata(umu, null)).toMatchObject({
      name: 'Umeå university (New SAML2)',
      ssoUrl: 'https://idp.umu.se/saml2/idp/SSOService.php',
      sloUrl: 'https://idp.umu.se/saml2/idp/SingleLogoutService.php',
      sloBinding: 'redirect',
    })
  })

  it('names the IdP after its mdui:DisplayName, else its Organization, instead of the entity host', async () => {
    const named = async (names: Parameters<typeof oktaNamed>[0]) =>
      fieldsFromMetadata((await loadIdpMetadata({ metadataXml: oktaNamed(names) })).idp, null).name
    expect(await named({ organization: 'Acme Corp' })).toBe('Acme Corp')
    expect(await named({ displayName: 'Acme Staff Sign-in', organization: 'Acme Corp' })).toBe('Acme Staff Sign-in')
    expect(await named({})).toBe('www.okta.com')
  })

  it('names an IdP whose entity ID is not a URL by the entity ID itself', async () => {
    const { idp } = await loadIdpMetadata({ metadataXml: twoIdpAggregate(), entityId: 'urn:idp:one' })
    expect(fieldsFromMetadata(idp, null).name).toBe('urn:idp:one')
  })
})

describe('refreshedFields', () => {
  async function storedFromOkta() {
    const fields = fieldsFromMetadata((await loadIdpMetadata({ metadataXml: env.TEST_OKTA_METADATA })).idp, URL_)
    return { entityId: fields.entityId!, metadataUrl: URL_, certificates: fields.certificates!, ssoUrl: fields.ssoUrl!, sloUrl: fields.sloUrl ?? null }
  }

  it('reports no change when the metadata is the same', async () => {
    serve(() => env.TEST_OKTA_METADATA)
    const row = await storedFromOkta()
    expect(await refreshedFields(row, NOW)).toEqual({
      update: { ssoUrl: OKTA_SSO_URL, ssoBinding: 'redirect', sloUrl: null, sloBinding: null, certificates: row.certificates },
      certificatesChanged: false,
      endpointsChanged: false,
      expired: [],
    })
  })

  it('reports a new signing certificate', async () => {
    serve(() => env.TEST_OKTA_METADATA.replace(/<ds:X509Certificate>[^<]+</, `<ds:X509Certificate>${OTHER_DER}<`))
    const result = await refreshedFields(await storedFromOkta(), NOW)
    expect(result).toMatchObject({ certificatesChanged: true, endpointsChanged: false, update: { certificates: [OTHER_DER] } })
  })

  it('reports a moved SSO endpoint and a new SLO endpoint', async () => {
    const moved = env.TEST_OKTA_METADATA.replaceAll(OKTA_SSO_URL, 'https://acme.okta.example/sso')
    serve(() => moved)
    expect(await refreshedFields(await storedFromOkta(), NOW)).toMatchObject({
      certificatesChanged: false,
      endpointsChanged: true,
      update: { ssoUrl: 'https://acme.okta.example/sso' },
    })
    const withSlo = env.TEST_OKTA_METADATA.replace(
      '<md:SingleSignOnService',
      '<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://acme.okta.example/slo"/>\n<md:SingleSignOnService',
    )
    serve(() => withSlo)
    expect(await refreshedFields(await storedFromOkta(), NOW)).toMatchObject({
      endpointsChanged: true,
      update: { sloUrl: 'https://acme.okta.example/slo', sloBinding: 'post' },
    })
  })

  it('names metadataUrl for an IdP that was not imported from a URL', async () => {
    const spy = serve(() => env.TEST_OKTA_METADATA)
    await expect(refreshedFields({ ...(await storedFromOkta()), metadataUrl: null }, NOW)).rejects.toThrow(invalidField('metadataUrl'))
    expect(spy).not.toHaveBeenCalled()
  })

  it.each([
    ['an http SSO URL', (xml: string) => xml.replaceAll(OKTA_SSO_URL, 'http://sso.evil.example/login'), 'ssoUrl'],
    [
      'an http SLO URL',
      (xml: string) =>
        xml.replace(
          '<md:SingleSignOnService',
          '<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="http://slo.evil.example/"/><md:SingleSignOnService',
        ),
      'sloUrl',
    ],
  ])('validates what it read as create does: refuses %s, naming the field', async (_name, edit, field) => {
    serve(() => edit(env.TEST_OKTA_METADATA))
    await expect(refreshedFields(await storedFromOkta(), NOW)).rejects.toThrow(invalidField(field))
  })

  describe('with a metadataSigningCertificate', () => {
    it('takes metadata signed with that certificate', async () => {
      const signed = await signedOkta(
        OTHER_IDP_KEY,
        OTHER_IDP_CERT,
        env.TEST_OKTA_METADATA.replace(/<ds:X509Certificate>[^<]+</, `<ds:X509Certificate>${OTHER_DER}<`),
      )
      serve(() => signed)
      const result = await refreshedFields({ ...(await storedFromOkta()), metadataSigningCertificate: OTHER_IDP_CERT }, NOW)
      expect(result).toMatchObject({ certificatesChanged: true, update: { certificates: [OTHER_DER] } })
    })

    it('refuses unsigned metadata: SAML_SIGNATURE_MISSING', async () => {
      serve(() => env.TEST_OKTA_METADATA.replace(/<ds:X509Certificate>[^<]+</, `<ds:X509Certificate>${OTHER_DER}<`))
      await expect(refreshedFields({ ...(await storedFromOkta()), metadataSigningCertificate: TEST_IDP_CERT }, NOW)).rejects.toMatchObject({
        code: 'SAML_SIGNATURE_MISSING',
      })
    })

    it('refuses metadata signed with another key (a hijacked URL re-signing it)', async () => {
      const signedByOther = await signedOkta(OTHER_IDP_KEY, OTHER_IDP_CERT)
      serve(() => signedByOther)
      await expect(refreshedFields({ ...(await storedFromOkta()), metadataSigningCertificate: TEST_IDP_CERT }, NOW)).rejects.toMatchObject({
        code: 'SAML_SIGNATURE_INVALID',
      })
    })

    it('refuses signed metadata whose content was changed after signing', async () => {
      const signed = await signedOkta(TEST_IDP_KEY, TEST_IDP_CERT)
      serve(() => signed.replaceAll(OKTA_SSO_URL, 'https://sso.evil.example/login'))
      await expect(refreshedFields({ ...(await storedFromOkta()), metadataSigningCertificate: TEST_IDP_CERT }, NOW)).rejects.toMatchObject({
        code: 'SAML_SIGNATURE_INVALID',
      })
    })
  })

  it('reports what has expired at now without refusing it (a refresh takes what it took before)', async () => {
    const stale = env.TEST_OKTA_METADATA.replace('<md:EntityDescriptor ', '<md:EntityDescriptor validUntil="2026-05-31T00:00:00Z" ')
    serve(() => stale)
    expect(await refreshedFields(await storedFromOkta(), NOW)).toMatchObject({
      certificatesChanged: false,
      expired: [{ part: 'validUntil', at: '2026-05-31T00:00:00Z' }],
    })
  })

  it('names entityId when the IdP is no longer in the metadata', async () => {
    serve(() => twoIdpAggregate())
    await expect(refreshedFields(await storedFromOkta(), NOW)).rejects.toThrow(invalidField('entityId'))
  })
})
