// workerd: domain verification over DNS (admin/dns.ts): the challenge name and value, and
// checkChallenge through the gateway's real DoH client against a local resolver (helpers/dns.ts):
// verified only by the exact value at the exact name, otherwise a reason an admin can act on.
import { describe, expect, it } from 'vitest'
import { challengeName, challengeValue, checkChallenge } from '../../src/admin/dns'
import { dohTxtResolver, type TxtResolver } from '../../src/outbound/doh'
import { localDns } from '../helpers/dns'

const TOKEN = '9f86d081884c7d659a2feaa0c55ad015'

describe('the challenge', () => {
  it('is a TXT record at _edge-sso-challenge.<domain> holding edge-sso-verify=<token>', () => {
    expect(challengeName('acme.example')).toBe('_edge-sso-challenge.acme.example')
    expect(challengeName('xn--bcher-kva.example')).toBe('_edge-sso-challenge.xn--bcher-kva.example')
    expect(challengeValue(TOKEN)).toBe(`edge-sso-verify=${TOKEN}`)
  })
})

describe('checkChallenge', () => {
  it('verifies a domain whose challenge record is published, asking exactly the challenge name', async () => {
    const dns = localDns()
    dns.publish('_edge-sso-challenge.acme.example', `edge-sso-verify=${TOKEN}`)
    expect(await checkChallenge(dns.resolver, 'acme.example', TOKEN)).toEqual({ verified: true })
    expect(dns.queries).toEqual(['_edge-sso-challenge.acme.example'])
  })

  it('says there is no TXT record yet when nothing is published at the challenge name', async () => {
    const dns = localDns()
    // The value at the domain itself, not at the challenge name, does not count.
    dns.publish('acme.example', `edge-sso-verify=${TOKEN}`)
    const result = await checkChallenge(dns.resolver, 'acme.example', TOKEN)
    expect(result).toEqual({ verified: false, reason: 'no TXT record at _edge-sso-challenge.acme.example yet' })
  })

  it('says the records found are not the expected value when another token (or a near miss) is published', async () => {
    const dns = localDns()
    dns.publish('_edge-sso-challenge.acme.example', 'edge-sso-verify=0000')
    dns.publish('_edge-sso-challenge.acme.example', TOKEN)
    dns.publish('_edge-sso-challenge.acme.example', ` edge-sso-verify=${TOKEN}`)
    dns.publish('_edge-sso-challenge.acme.example', `"edge-sso-verify=${TOKEN}"`)
    const result = await checkChallenge(dns.resolver, 'acme.example', TOKEN)
    expect(result).toEqual({
      verified: false,
      reason: `_edge-sso-challenge.acme.example has TXT records, but none is edge-sso-verify=${TOKEN}`,
    })
  })

  it('verifies when the expected value is one of several records (an old token left beside the new one)', async () => {
    const dns = localDns()
    dns.publish('_edge-sso-challenge.acme.example', 'edge-sso-verify=old-token')
    dns.publish('_edge-sso-challenge.acme.example', 'unrelated=1')
    dns.publish('_edge-sso-challenge.acme.example', `edge-sso-verify=${TOKEN}`)
    expect(await checkChallenge(dns.resolver, 'acme.example', TOKEN)).toEqual({ verified: true })
  })

  it('does not accept the token of another domain', async () => {
    const dns = localDns()
    dns.publish('_edge-sso-challenge.globex.example', `edge-sso-verify=${TOKEN}`)
    expect(await checkChallenge(dns.resolver, 'acme.example', TOKEN)).toMatchObject({ verified: false })
  })

  it('verifies a record split into several character-strings, as long TXT values are published', async () => {
    const fetcher = (async () =>
      new Response(
        JSON.stringify({ Status: 0, Answer: [{ type: 16, data: `"edge-sso-verify=" "${TOKEN.slice(0, 10)}" "${TOKEN.slice(10)}"` }] }),
      )) as typeof fetch
    expect(await checkChallenge(dohTxtResolver('https://dns.test/dns-query', fetcher), 'acme.example', TOKEN)).toEqual({ verified: true })
  })

  it('does not verify when the lookup fails, and gives the resolver’s reason', async () => {
    const failing = (async () => new Response('upstream down', { status: 503 })) as typeof fetch
    expect(await checkChallenge(dohTxtResolver('https://dns.test/dns-query', failing), 'acme.example', TOKEN)).toEqual({
      verified: false,
      reason: 'the DNS resolver answered HTTP 503',
    })
    const throwing: TxtResolver = async () => {
      throw new Error('the DNS lookup failed (RCODE 2)')
    }
    expect(await checkChallenge(throwing, 'acme.example', TOKEN)).toEqual({ verified: false, reason: 'the DNS lookup failed (RCODE 2)' })
    const throwingNonError: TxtResolver = async () => {
      throw 'boom'
    }
    expect(await checkChallenge(throwingNonError, 'acme.example', TOKEN)).toEqual({ verified: false, reason: 'the DNS lookup failed' })
  })
})
