// Every response case of the interop corpus (73 real IdP messages), table-driven from
// manifest.json exactly as shared/interop/README.md describes, with the manifest's clock.
import { describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../src/saml/index'
import type { SamlAssertionResult, ValidateSamlResponseOptions } from '../../src/saml/index'
import { loadManifest, readInterop, readInteropBytes } from '../helpers/interop'
import type { InteropCase } from '../helpers/interop'

const cases = loadManifest().responses

function argsFor(c: InteropCase, samlResponse: string): ValidateSamlResponseOptions {
  const window = c.window as { now?: string } | null | undefined
  const requestId = c.expectedRequestId as string | null | undefined
  return {
    samlResponse,
    idp: { entityId: c.idp.entityId, certificates: c.idp.certificates.map(readInterop) },
    sp: { entityId: (c.sp as { entityId: string }).entityId, acsUrl: (c.sp as { acsUrl: string }).acsUrl },
    // The malformed case has no window: any clock will do, it must fail in the parser.
    now: new Date(window?.now ?? '2020-01-01T00:00:00Z'),
    expectedRequestId: requestId ?? undefined,
    allowIdpInitiated: (c.allowIdpInitiated as boolean | null | undefined) ?? false,
    allowSha1: (c.allowSha1 as boolean | null | undefined) ?? false,
    decryptionKeys: (c.decryptionKeys ?? []).map(readInterop),
  }
}

/**
 * `expected` minus manifest diagnostics that are not product output: `nameIdFirstTextNodeOnly` is
 * what a naive (vulnerable) parser would return, so it is asserted to differ instead.
 */
function productExpectation(c: InteropCase): Record<string, unknown> {
  const { nameIdFirstTextNodeOnly: _naive, ...expected } = c.expected ?? {}
  return expected
}

async function expectCase(c: InteropCase, samlResponse: string): Promise<void> {
  const run = validateSamlResponse(argsFor(c, samlResponse))
  if (c.verdict === 'invalid') {
    await expect(run).rejects.toMatchObject({ name: 'SamlError', code: c.errorCode })
    return
  }
  const result: SamlAssertionResult = await run
  expect(result).toMatchObject(productExpectation(c))
  const naive = c.expected?.nameIdFirstTextNodeOnly
  if (typeof naive === 'string') expect(result.nameId).not.toBe(naive)
  // Warnings name the certificate by subject, the manifest by file path: compare the code part.
  const expectedWarnings = (c.expectedWarnings as string[] | undefined) ?? []
  for (const warning of expectedWarnings) {
    const code = warning.split(' ')[0] as string
    expect(result.warnings.some((w) => w.startsWith(`${code} `))).toBe(true)
  }
  if (expectedWarnings.length === 0) expect(result.warnings).toEqual([])
}

describe('interop corpus: responses from real IdPs', () => {
  it('has the 73 cases the corpus README lists', () => {
    expect(cases).toHaveLength(73)
  })

  for (const c of cases) {
    const label = c.verdict === 'valid' ? 'accepts' : `rejects with ${c.errorCode}:`
    it(`${label} ${c.id}`, async () => {
      await expectCase(c, Buffer.from(readInteropBytes(c.file)).toString('base64'))
    })
    if (c.fileBase64AsPublished) {
      it(`${label} ${c.id} (base64 exactly as published, line breaks and CRLF included)`, async () => {
        await expectCase(c, readInterop(c.fileBase64AsPublished as string))
      })
    }
  }
})
