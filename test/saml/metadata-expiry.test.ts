// What has expired in IdP metadata at a given instant (saml/metadata-expiry.ts): validUntil,
// inherited down an aggregate, and signing certificates' notAfter, from real metadata.
import { describe, expect, it } from 'vitest'
import { parseIdpMetadata } from '../../src/saml/metadata'
import { findExpired } from '../../src/saml/metadata-expiry'
import { readInterop } from '../helpers/interop'

const at = (iso: string) => new Date(iso)

describe('findExpired', () => {
  it('finds nothing in current metadata', async () => {
    const [okta] = (await parseIdpMetadata(readInterop('metadata/okta-app-metadata-2020.xml'))).idps
    expect(findExpired(okta!, at('2026-01-01T00:00:00Z'))).toEqual([])
  })

  it("names Google's validUntil and its expired certificate, validUntil first, with when", async () => {
    const [google] = (await parseIdpMetadata(readInterop('metadata/google-workspace-metadata-2016.xml'))).idps
    expect(findExpired(google!, at('2020-12-31T00:00:00Z'))).toEqual([])
    expect(findExpired(google!, at('2021-06-01T00:00:00Z'))).toEqual([
      { part: 'validUntil', at: '2021-01-03T16:17:49.000Z' },
      { part: 'signingCertificate', at: '2021-01-03T16:17:49Z', subject: expect.stringContaining('Google') },
    ])
  })

  it("takes an aggregate's validUntil as its entities' (metadata §2.3.2)", async () => {
    const parsed = await parseIdpMetadata(readInterop('metadata/shibboleth-ualg-signed-aggregate.xml'))
    const expired = findExpired(parsed.idps[0]!, at('2018-01-01T00:00:00Z'))
    expect(expired[0]).toEqual({ part: 'validUntil', at: '2017-04-22T12:17:22Z' })
  })

  it('counts an unreadable validUntil as expired (fail closed)', () => {
    expect(findExpired({ validUntil: 'next Tuesday', signingCertificates: [] }, at('2026-01-01T00:00:00Z'))).toEqual([
      { part: 'validUntil', at: 'next Tuesday' },
    ])
  })

  it('lists each expired signing certificate and only those (a rollover keeps the new one)', async () => {
    const [google] = (await parseIdpMetadata(readInterop('metadata/google-workspace-metadata-multiple-signing.xml'))).idps
    const expired = findExpired({ ...google!, validUntil: null }, at('2023-01-01T00:00:00Z'))
    expect(expired).toEqual([{ part: 'signingCertificate', at: '2022-04-20T00:56:59Z', subject: expect.any(String) }])
  })
})
