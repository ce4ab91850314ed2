// Differential fuzzing of the SAML core against mutations (issue 15): fast-check mutates a signed
// Response (a character changed, a range deleted, an element duplicated with other content, an
// attribute injected) and the core must refuse it, or accept it with exactly the original
// identity: a mutation may touch only what the signature does not cover, never what we read.
// `npm test` runs a fixed seed; `npm run fuzz` runs long (FUZZ_RUNS, FUZZ_SEED).
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../src/saml/index'
import { optionsFor, serialize, signedResponse } from '../helpers/saml-response'

const RUNS = Number(process.env.FUZZ_RUNS ?? 200)
const SEED = Number(process.env.FUZZ_SEED ?? 20261204)

let original: string
let identity: unknown

const essence = (r: Awaited<ReturnType<typeof validateSamlResponse>>) => ({
  issuer: r.issuer,
  nameId: r.nameId,
  nameIdFormat: r.nameIdFormat,
  attributes: r.attributes,
  sessionIndex: r.sessionIndex,
  notOnOrAfter: r.notOnOrAfter,
  inResponseTo: r.inResponseTo,
})

beforeAll(async () => {
  original = serialize(await signedResponse('assertion'))
  identity = essence(await validateSamlResponse(optionsFor(original)))
})

type Mutation =
  | { kind: 'char'; at: number; to: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; nameId: string }
  | { kind: 'inject'; at: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('char' as const), at: fc.nat(), to: fc.constantFrom('a', 'Z', '0', '9', ' ', '"', '<', '/', '=') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), nameId: fc.constantFrom('admin@acme.example', 'root', '') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('inject' as const), at: fc.nat() }) },
)

function apply(xml: string, m: Mutation): string {
  const at = (n: number) => n % xml.length
  switch (m.kind) {
    case 'char': {
      const i = at(m.at)
      return xml[i] === m.to ? xml : xml.slice(0, i) + m.to + xml.slice(i + 1)
    }
    case 'delete': {
      const i = at(m.at)
      return xml.slice(0, i) + xml.slice(i + m.length)
    }
    case 'duplicate': {
      // A copy of the signed assertion, with other content, beside the original (wrapping).
      const start = xml.indexOf('<saml:Assertion')
      const end = xml.indexOf('</saml:Assertion>') + '</saml:Assertion>'.length
      const copy = xml
        .slice(start, end)
        .replace(/(<saml:NameID[^>]*>)[^<]*/, `$1${m.nameId}`)
        .replace(/ID="[^"]+"/, 'ID="_evil"')
      return xml.slice(0, start) + copy + xml.slice(start)
    }
    case 'inject': {
      const positions = [...xml.matchAll(/<\/saml:Attribute>/g)].map((x) => x.index! + '</saml:Attribute>'.length)
      const i = positions.length ? positions[m.at % positions.length]! : at(m.at)
      return `${xml.slice(0, i)}<saml:Attribute Name="role"><saml:AttributeValue>admin</saml:AttributeValue></saml:Attribute>${xml.slice(i)}`
    }
  }
}

describe('mutated signed responses', () => {
  it(
    `are refused, or accepted with exactly the original identity (${RUNS} mutations, seed ${SEED})`,
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
          const xml = mutations.reduce(apply, original)
          if (xml === original) return
          let accepted: unknown = null
          try {
            accepted = essence(await validateSamlResponse(optionsFor(xml)))
          } catch {
            return // refused: fine
          }
          expect(accepted).toEqual(identity)
        }),
        { numRuns: RUNS, seed: SEED },
      )
    },
    30_000 + RUNS * 50,
  )
})
