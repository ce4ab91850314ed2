// This gateway's SP URLs (sso/sp-endpoints.ts): what an admin pastes into the customer's IdP.
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { spEndpoints } from '../../src/sso/sp-endpoints'
import { putSettings } from '../../src/store/settings'
import { testContext } from '../helpers/context'

afterEach(async () => {
  await putSettings(env.DB, { spEntityId: '' }, new Date())
})

describe('spEndpoints', () => {
  it('derives the entity ID, ACS, SLO and metadata URLs from the request origin', async () => {
    expect(await spEndpoints(testContext({ origin: 'https://help.acme.example' }))).toMatchObject({
      entityId: 'https://help.acme.example/sso/metadata',
      acsUrl: 'https://help.acme.example/sso/acs',
      sloUrl: 'https://help.acme.example/sso/slo',
      metadataUrl: 'https://help.acme.example/sso/metadata',
      host: 'help.acme.example',
    })
  })

  it('keeps the host port, which names the certificates of a local gateway', async () => {
    expect((await spEndpoints(testContext({ origin: 'http://localhost:8787' }))).host).toBe('localhost:8787')
  })

  it('uses the entity ID an admin configured, while the URLs still follow the origin', async () => {
    await putSettings(env.DB, { spEntityId: 'urn:acme:support-gateway' }, new Date())
    expect(await spEndpoints(testContext({ origin: 'https://help.acme.example' }))).toMatchObject({
      entityId: 'urn:acme:support-gateway',
      acsUrl: 'https://help.acme.example/sso/acs',
      metadataUrl: 'https://help.acme.example/sso/metadata',
    })
  })
})
