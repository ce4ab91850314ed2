// The layout's import boundaries (issue 9, STYLE.md §1), checked on the source text: the SAML core
// imports only itself and @xmldom/xmldom; views import no route and read no store; no router
// imports another; services know nothing of HTTP; only src/store touches D1 and KV. The checker is
// first shown to catch each kind of violation on a synthetic tree, so a broken checker cannot pass.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, posix, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

interface SourceFile {
  /** Path from the repository root, with forward slashes: `src/sso/acs.ts`. */
  path: string
  text: string
}

interface ImportRef {
  /** The module specifier as written. */
  spec: string
  /** Resolved repository path for relative specifiers (without extension), else null. */
  target: string | null
  typeOnly: boolean
}

function listSources(dir: string): SourceFile[] {
  const out: SourceFile[] = []
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = `${dir}/${name}`
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...listSources(path))
    else if (/\.(ts|tsx)$/.test(name)) out.push({ path, text: readFileSync(join(ROOT, path), 'utf8') })
  }
  return out
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'([^']+)'/gm
const SIDE_EFFECT_IMPORT = /^\s*import\s+'([^']+)'/gm
const DYNAMIC_IMPORT = /\bimport\(\s*'([^']+)'\s*\)/g

export function importsOf(file: SourceFile): ImportRef[] {
  const refs: ImportRef[] = []
  const resolve = (spec: string) => (spec.startsWith('.') ? posix.normalize(posix.join(posix.dirname(file.path), spec)).replace(/\.(ts|tsx)$/, '') : null)
  for (const m of file.text.matchAll(IMPORT)) {
    const clause = m[3] ?? ''
    // `import type {…}`, or `import { type A, type B }` where every name is a type.
    const names =
      /\{([^}]*)\}/
        .exec(clause)?.[1]
        ?.split(',')
        .map((n) => n.trim())
        .filter(Boolean) ?? []
    const allTypes = names.length > 0 && !/^[\w$]+\s*,|^\*/.test(clause.trim()) && names.every((n) => n.startsWith('type '))
    refs.push({ spec: m[4]!, target: resolve(m[4]!), typeOnly: Boolean(m[2]) || allTypes })
  }
  for (const m of file.text.matchAll(SIDE_EFFECT_IMPORT)) refs.push({ spec: m[1]!, target: resolve(m[1]!), typeOnly: false })
  for (const m of file.text.matchAll(DYNAMIC_IMPORT)) refs.push({ spec: m[1]!, target: resolve(m[1]!), typeOnly: false })
  return refs
}

const inFolder = (path: string | null, folder: string) => path !== null && (path === folder || path.startsWith(`${folder}/`))
const SERVICE_FOLDERS = ['src/sso', 'src/admin', 'src/broker', 'src/handoff', 'src/audit', 'src/setup', 'src/events']
const SERVICE_FILES = ['src/health.ts', 'src/scheduled.ts']
const isService = (path: string) => SERVICE_FOLDERS.some((f) => inFolder(path, f)) || SERVICE_FILES.includes(path)
const HTTP_SIDE = ['src/routes', 'src/middleware', 'src/http', 'src/ui']
// D1 and KV methods, called on anything that names a binding or a handle to one.
const STORAGE_CALL = /\b(?:db|kv|d1|DB|SESSIONS)\s*\.\s*(?:get|put|delete|list|getWithMetadata|prepare|batch|exec|dump)\s*\(/

/** Every boundary violation in `files`, as `path: what`. */
export function violations(files: SourceFile[]): string[] {
  const out: string[] = []
  for (const file of files) {
    const refs = importsOf(file)
    const p = file.path
    const bad = (what: string) => out.push(`${p}: ${what}`)
    if (inFolder(p, 'src/saml')) {
      for (const r of refs) if (!(r.target ? inFolder(r.target, 'src/saml') : r.spec === '@xmldom/xmldom')) bad(`the SAML core imports ${r.spec}`)
      if (/\bDate\.now\(|new Date\(\)/.test(file.text)) bad('the SAML core reads the clock')
    }
    if (inFolder(p, 'src/ui')) {
      for (const r of refs) {
        if (r.target === null) {
          if (!r.spec.startsWith('hono')) bad(`a view imports ${r.spec}`)
        } else if (!inFolder(r.target, 'src/ui') && !(r.typeOnly && isService(`${r.target}.ts`))) {
          bad(`a view imports ${r.typeOnly ? 'types from ' : ''}${r.spec} (views take plain props; types only from services)`)
        }
      }
    }
    if (inFolder(p, 'src/routes')) {
      for (const r of refs) {
        if (inFolder(r.target, 'src/routes')) bad(`a router imports another router (${r.spec})`)
        if (inFolder(r.target, 'src/store') && !r.typeOnly) bad(`a router calls the store directly (${r.spec}); go through a service`)
      }
    }
    if (isService(p)) {
      for (const r of refs) {
        if (HTTP_SIDE.some((f) => inFolder(r.target, f)) && !(r.typeOnly && inFolder(r.target, 'src/ui'))) bad(`a service imports the HTTP side (${r.spec})`)
        if (r.target === null && r.spec.startsWith('hono') && !/^hono\/(utils\/|proxy$)/.test(r.spec)) bad(`a service imports ${r.spec}`)
      }
    }
    if (inFolder(p, 'src/store')) {
      for (const r of refs) {
        const allowed = r.target
          ? ['src/store', 'src/crypto', 'src/saml', 'src/errors'].some((f) => inFolder(r.target, f))
          : ['drizzle-orm', 'jose'].some((m) => r.spec === m || r.spec.startsWith(`${m}/`)) || r.spec === 'cloudflare:workers'
        if (!allowed) bad(`the store imports ${r.spec}`)
      }
    } else if (inFolder(p, 'src')) {
      for (const r of refs) if (r.spec === 'drizzle-orm' || r.spec.startsWith('drizzle-orm/')) bad(`only src/store may use ${r.spec}`)
      for (const r of refs) if (r.target === 'src/store/kv-keys') bad('only src/store may spell KV keys')
      // Bindings reach services through the RequestContext only (tests can then hand in their own).
      for (const r of refs) if (r.spec === 'cloudflare:workers') bad(`only src/store may import ${r.spec}`)
      file.text.split('\n').forEach((line, i) => {
        if (STORAGE_CALL.test(line) && !/^\s*(\/\/|\*)/.test(line)) bad(`line ${i + 1} touches D1 or KV outside src/store: ${line.trim().slice(0, 80)}`)
      })
    }
    // The OIDC core: jose, the shared error type, bounded outbound reads and itself only (no store, no HTTP, no services).
    if (inFolder(p, 'src/oidc'))
      for (const r of refs)
        if (!(r.target ? inFolder(r.target, 'src/oidc') || inFolder(r.target, 'src/outbound') || r.target === 'src/errors' : r.spec === 'jose'))
          bad(`the OIDC core imports ${r.spec}`)
    if (inFolder(p, 'src/crypto')) for (const r of refs) if (!(r.target ? inFolder(r.target, 'src/crypto') : r.spec === 'jose')) bad(`crypto imports ${r.spec}`)
    // Calls to hosts we do not control: web standards only, nothing of the gateway.
    if (inFolder(p, 'src/outbound')) for (const r of refs) if (!(r.target && inFolder(r.target, 'src/outbound'))) bad(`outbound imports ${r.spec}`)
    if (inFolder(p, 'src'))
      for (const r of refs) if (inFolder(r.target, 'dev') || inFolder(r.target, 'test')) bad(`src imports ${r.spec} (dev/ and test/ are never deployed)`)
  }
  return out
}

/** Console-only code (docs/architecture.md, "Two Workers"): the gateway Worker must not load it. */
const CONSOLE_ONLY = ['src/admin', 'src/ui/admin', 'src/setup', 'src/console-app', 'src/console', 'src/scheduled', 'src/app']
const isConsoleOnly = (path: string) => CONSOLE_ONLY.some((f) => inFolder(path, f)) || /^src\/routes\/(admin-|setup)/.test(path)

/** The console-only modules the gateway Worker's entry reaches through value imports, as `module (via importer)`. */
export function consoleCodeInGateway(files: SourceFile[], entry = 'src/index'): string[] {
  const byPath = new Map(files.map((f) => [f.path.replace(/\.(ts|tsx)$/, ''), f]))
  const seen = new Set([entry])
  const queue = [entry]
  const out: string[] = []
  while (queue.length) {
    const path = queue.shift()!
    const file = byPath.get(path) ?? byPath.get(`${path}/index`)
    if (!file) continue
    for (const r of importsOf(file)) {
      if (r.typeOnly || r.target === null || seen.has(r.target)) continue
      seen.add(r.target)
      if (isConsoleOnly(r.target)) out.push(`${r.target} (via ${path})`)
      queue.push(r.target)
    }
  }
  return out
}

describe('the checker catches each kind of violation', () => {
  it('flags console code reached from the gateway entry, through any depth, and not through a type import', () => {
    const tree: SourceFile[] = [
      { path: 'src/index.ts', text: "import { createGatewayApp } from './gateway-app'" },
      { path: 'src/gateway-app.ts', text: "import { acsRoutes } from './routes/acs'\nimport type { X } from './admin/types'" },
      { path: 'src/routes/acs.ts', text: "import { startTest } from '../admin/idps'" },
      { path: 'src/admin/idps.ts', text: "import { y } from '../store/idps'" },
    ]
    expect(consoleCodeInGateway(tree)).toEqual(['src/admin/idps (via src/routes/acs)'])
    expect(consoleCodeInGateway(tree.slice(0, 2))).toEqual([])
  })

  const cases: [string, SourceFile][] = [
    ['the core importing hono', { path: 'src/saml/x.ts', text: "import { Hono } from 'hono'" }],
    ['the core importing the store', { path: 'src/saml/x.ts', text: "import { getIdp } from '../store/idps'" }],
    ['the core reading the clock', { path: 'src/saml/x.ts', text: 'const now = Date.now()' }],
    ['a view importing a router', { path: 'src/ui/x.tsx', text: "import { acsRoutes } from '../routes/acs'" }],
    ['a view importing the store, even for a type', { path: 'src/ui/x.tsx', text: "import type { Settings } from '../store/settings'" }],
    ['a view importing a service value', { path: 'src/ui/x.tsx', text: "import { ATTRIBUTE_PRESETS } from '../admin/attribute-presets'" }],
    ['a router importing a router', { path: 'src/routes/a.ts', text: "import { b } from './b'" }],
    ['a router calling the store', { path: 'src/routes/a.ts', text: "import { listIdps } from '../store/idps'" }],
    ['a service importing middleware', { path: 'src/sso/x.ts', text: "import { audited } from '../middleware/audited'" }],
    ['a service importing hono', { path: 'src/admin/x.ts', text: "import type { Context } from 'hono'" }],
    ['drizzle outside the store', { path: 'src/admin/x.ts', text: "import { eq } from 'drizzle-orm'" }],
    ['a KV call outside the store', { path: 'src/middleware/x.ts', text: '  await c.env.SESSIONS.get(key)' }],
    ['a D1 call outside the store', { path: 'src/health.ts', text: "  await ctx.db.prepare('SELECT 1').first()" }],
    ['KV keys outside the store', { path: 'src/sso/x.ts', text: "import { kvKeys } from '../store/kv-keys'" }],
    ['the store importing a service', { path: 'src/store/x.ts', text: "import { recordAudit } from '../audit/record'" }],
    ['the OIDC core importing the store', { path: 'src/oidc/x.ts', text: "import { getIdp } from '../store/idps'" }],
    ['a service importing the runtime module (env, bindings)', { path: 'src/sso/x.ts', text: "import { env } from 'cloudflare:workers'" }],
    ['crypto importing the store', { path: 'src/crypto/x.ts', text: "import { x } from '../store/sessions'" }],
    ['outbound importing a service', { path: 'src/outbound/x.ts', text: "import { recordAudit } from '../audit/record'" }],
    ['src importing dev/', { path: 'src/app.ts', text: "import { startStack } from '../dev/stack.mjs'" }],
  ]
  for (const [name, file] of cases) {
    it(`flags ${name}`, () => {
      expect(violations([file])).toHaveLength(1)
    })
  }

  it('allows what the layout allows', () => {
    const fine: SourceFile[] = [
      { path: 'src/saml/x.ts', text: "import { DOMParser } from '@xmldom/xmldom'\nimport { parseXml } from './xml/parse'" },
      {
        path: 'src/ui/x.tsx',
        text: "import type { Child } from 'hono/jsx'\nimport type { CertificateInfo } from '../admin/certificates'\nimport { Layout } from './layout'",
      },
      { path: 'src/routes/a.ts', text: "import type { IdpRow } from '../store/idps'\nimport { createIdp } from '../admin/idps'" },
      {
        path: 'src/admin/x.ts',
        text: "import { timingSafeEqual } from 'hono/utils/buffer'\nimport { getIdp } from '../store/idps'\nconst x = await getIdp(ctx.db, id)",
      },
      { path: 'src/store/x.ts', text: "import { eq } from 'drizzle-orm'\nawait kv.get(key)" },
      // A Durable Object class (storage the store owns) extends the runtime's base class.
      { path: 'src/store/y.ts', text: "import { DurableObject } from 'cloudflare:workers'" },
    ]
    expect(violations(fine)).toEqual([])
  })
})

describe('the source tree', () => {
  const files = listSources('src')

  it('has files in every layer of the layout', () => {
    for (const folder of ['src/saml', 'src/store', 'src/sso', 'src/admin', 'src/broker', 'src/handoff', 'src/audit', 'src/routes', 'src/ui', 'src/crypto']) {
      expect(
        files.some((f) => inFolder(f.path, folder)),
        folder,
      ).toBe(true)
    }
  })

  it('keeps every import boundary', () => {
    expect(violations(files)).toEqual([])
  })

  it("keeps the console's code out of the gateway Worker (src/index.ts): customers never load it", () => {
    expect(files.some((f) => f.path === 'src/index.ts') && files.some((f) => f.path === 'src/console.ts')).toBe(true)
    expect(consoleCodeInGateway(files)).toEqual([])
    // And the console Worker does reach it (the rule is not vacuous).
    expect(consoleCodeInGateway(files, 'src/console').length).toBeGreaterThan(10)
  })

  it('puts only routers in src/routes: each exports Hono routes and nothing else', () => {
    for (const f of files.filter((f) => inFolder(f.path, 'src/routes'))) {
      const exported = [...f.text.matchAll(/^export\s+(?:const|function|class|async function)\s+(\w+)/gm)].map((m) => m[1])
      expect(exported.length, relative('src/routes', f.path)).toBeGreaterThan(0)
      for (const name of exported) expect(name, f.path).toMatch(/Routes$/)
    }
  })
})

describe('tests mirror src', () => {
  // Declarations only (types, the drizzle schema): exercised through every test that reads or writes.
  const WITHOUT_BEHAVIOUR = new Set(['src/store/app-configs.ts', 'src/store/schema.ts'])
  const tests = new Set(listTestFiles('test'))

  it('gives every service, store, crypto and outbound module its own test file: test/<folder>/<file>[.<aspect>].test.ts', () => {
    const missing = listSources('src')
      .map((f) => f.path)
      .filter((p) =>
        ['src/sso', 'src/admin', 'src/broker', 'src/handoff', 'src/audit', 'src/events', 'src/store', 'src/crypto', 'src/outbound'].some((f) => inFolder(p, f)),
      )
      .filter((p) => !WITHOUT_BEHAVIOUR.has(p))
      .filter((p) => {
        const base = p.replace(/^src\//, 'test/').replace(/\.tsx?$/, '')
        return ![...tests].some((t) => t === `${base}.test.ts` || t === `${base}.test.tsx` || (t.startsWith(`${base}.`) && t.endsWith('.test.ts')))
      })
    expect(missing).toEqual([])
  })
})

function listTestFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = `${dir}/${name}`
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...listTestFiles(path))
    else if (/\.test\.tsx?$/.test(name)) out.push(path)
  }
  return out
}
