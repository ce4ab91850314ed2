// workerd: IdP configurations in real D1: create/update/delete, at most one default IdP, unique
// slug and entity ID (ADMIN_CONFLICT naming the field), lookups by id, slug and entity ID, order.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors'
import { isSlugRetired } from '../../src/store/retired-slugs'
import { createIdp, deleteIdp, findIdp, findIdpByEntityId, getIdp, listIdps, listSelectableIdps, updateIdp, type IdpFields } from '../../src/store/idps'

const T0 = new Date('2026-11-26T12:00:00.000Z')
const T1 = new Date('2026-11-27T12:00:00.000Z')

function fields(name: string, overrides: Partial<IdpFields> = {}): IdpFields {
  return {
    name,
    organizationId: 'org_test',
    slug: name.toLowerCase(),
    entityId: `https://${name.toLowerCase()}.test/saml`,
    ssoUrl: `https://${name.toLowerCase()}.test/sso`,
    ...overrides,
  }
}

/** The AppError a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(AppError)
  return err as AppError
}

async function defaults(): Promise<string[]> {
  return (await listIdps(env.DB)).filter((i) => i.isDefault).map((i) => i.id)
}

beforeEach(async () => {
  await env.DB.exec('DELETE FROM idps')
})

describe('create, update, delete', () => {
  it('creates an IdP with the schema defaults for fields not given', async () => {
    const idp = await createIdp(env.DB, 'idp_acme', fields('Acme'), T0)
    expect(idp).toMatchObject({
      id: 'idp_acme',
      name: 'Acme',
      slug: 'acme',
      entityId: 'https://acme.test/saml',
      ssoUrl: 'https://acme.test/sso',
      ssoBinding: 'redirect',
      certificates: [],
      enabled: true,
      showOnSelection: true,
      isDefault: false,
      emailDomains: [],
      attributeMap: {},
      allowedGroups: [],
      wantAssertionsSigned: false,
      clockSkewSeconds: null,
      sortOrder: 0,
      createdAt: T0,
      updatedAt: T0,
    })
    expect(await getIdp(env.DB, 'idp_acme')).toEqual(idp)
  })

  it('round-trips JSON fields (certificates, domains, attribute map, groups)', async () => {
    const json = {
      certificates: ['MIIB...a', 'MIIB...b'],
      emailDomains: ['acme.example', 'acme.test'],
      attributeMap: { email: 'mail', groups: 'memberOf' },
      allowedGroups: ['Support'],
    }
    await createIdp(env.DB, 'idp_acme', fields('Acme', json), T0)
    expect(await getIdp(env.DB, 'idp_acme')).toMatchObject(json)
  })

  it('updates only the given fields and the update time', async () => {
    await createIdp(env.DB, 'idp_acme', fields('Acme', { emailDomains: ['acme.example'] }), T0)
    const updated = await updateIdp(env.DB, 'idp_acme', { name: 'Acme Corp', enabled: false, clockSkewSeconds: 60 }, T1)
    expect(updated).toMatchObject({
      name: 'Acme Corp',
      enabled: false,
      clockSkewSeconds: 60,
      slug: 'acme',
      emailDomains: ['acme.example'],
      createdAt: T0,
      updatedAt: T1,
    })
    expect(await getIdp(env.DB, 'idp_acme')).toEqual(updated)
  })

  it('returns null when updating an IdP that does not exist, and creates nothing', async () => {
    expect(await updateIdp(env.DB, 'idp_missing', { name: 'X' }, T1)).toBeNull()
    expect(await listIdps(env.DB)).toEqual([])
  })

  it('deletes an IdP, retiring its slug, and says whether there was one', async () => {
    await createIdp(env.DB, 'idp_acme', fields('Acme'), T0)
    await createIdp(env.DB, 'idp_globex', fields('Globex'), T0)
    expect(await deleteIdp(env.DB, 'idp_acme', T1)).toBe(true)
    expect(await getIdp(env.DB, 'idp_acme')).toBeNull()
    expect(await deleteIdp(env.DB, 'idp_acme', T1)).toBe(false)
    expect((await listIdps(env.DB)).map((i) => i.id)).toEqual(['idp_globex'])
    // Subjects acme:<NameID> may live on in the portal: the slug never names another IdP.
    expect(await isSlugRetired(env.DB, 'idp', 'acme')).toBe(true)
    expect(await isSlugRetired(env.DB, 'idp', 'globex')).toBe(false)
  })
})

describe('one default IdP at most', () => {
  it('a new default IdP takes the default from the previous one', async () => {
    await createIdp(env.DB, 'idp_acme', fields('Acme', { isDefault: true }), T0)
    await createIdp(env.DB, 'idp_globex', fields('Globex'), T0)
    expect(await defaults()).toEqual(['idp_acme'])
    await createIdp(env.DB, 'idp_initech', fields('Initech', { isDefault: true }), T0)
    expect(await defaults()).toEqual(['idp_initech'])
  })

  it('making an IdP the default clears the others; other updates leave the default alone', async () => {
    await createIdp(env.DB, 'idp_acme', fields('Acme', { isDefault: true }), T0)
    await createIdp(env.DB, 'idp_globex', fields('Globex'), T0)
    await updateIdp(env.DB, 'idp_globex', { name: 'Globex Inc', isDefault: false }, T1)
    expect(await defaults()).toEqual(['idp_acme'])
    await updateIdp(env.DB, 'idp_globex', { isDefault: true }, T1)
    expect(await defaults()).toEqual(['idp_globex'])
    // Re-saving the default keeps it the default.
    await updateIdp(env.DB, 'idp_globex', { isDefault: true }, T1)
    expect(await defaults()).toEqual(['idp_globex'])
  })

  it('allows no default at all', async () => {
    await createIdp(env.DB, 'idp_acme', fields('Acme', { isDefault: true }), T0)
    await updateIdp(env.DB, 'idp_acme', { isDefault: false }, T1)
    expect(await defaults()).toEqual([])
  })

  // Clearing the other defaults and the insert run in one batch: when the insert fails (here a
  // duplicate slug) the current default keeps its flag (found by this test; fixed in store/idps.ts).
  it('a create refused as a conflict leaves the current default IdP the default', async () => {
    await createIdp(env.DB, 'idp_acme', fields('Acme', { isDefault: true }), T0)
    await rejection(createIdp(env.DB, 'idp_dup', fields('Dup', { slug: 'acme', isDefault: true }), T0))
    expect(await defaults()).toEqual(['idp_acme'])
  })

  // Same for updates: the refused update leaves the default where it was.
  it('an update refused as a conflict leaves the current default IdP the default', async () => {
    await createIdp(env.DB, 'idp_acme', fields('Acme', { isDefault: true }), T0)
    await createIdp(env.DB, 'idp_globex', fields('Globex'), T0)
    await rejection(updateIdp(env.DB, 'idp_globex', { slug: 'acme', isDefault: true }, T1))
    expect(await defaults()).toEqual(['idp_acme'])
  })
})

describe('unique slug and entity ID', () => {
  beforeEach(async () => {
    await createIdp(env.DB, 'idp_acme', fields('Acme'), T0)
  })

  it('refuses a create with a slug in use: ADMIN_CONFLICT on the slug field', async () => {
    const err = await rejection(createIdp(env.DB, 'idp_other', fields('Other', { slug: 'acme' }), T0))
    expect(err.code).toBe('ADMIN_CONFLICT')
    expect(err.detail).toEqual({ field: 'slug' })
    expect(await getIdp(env.DB, 'idp_other')).toBeNull()
  })

  it('refuses a create with an entity ID in use: ADMIN_CONFLICT on the entityId field', async () => {
    const err = await rejection(createIdp(env.DB, 'idp_other', fields('Other', { entityId: 'https://acme.test/saml' }), T0))
    expect(err.code).toBe('ADMIN_CONFLICT')
    expect(err.detail).toEqual({ field: 'entityId' })
    expect(await getIdp(env.DB, 'idp_other')).toBeNull()
  })

  it('refuses a create with an id in use: ADMIN_CONFLICT on the id field', async () => {
    const err = await rejection(createIdp(env.DB, 'idp_acme', fields('Other'), T0))
    expect(err.code).toBe('ADMIN_CONFLICT')
    expect(err.detail).toEqual({ field: 'id' })
    expect((await getIdp(env.DB, 'idp_acme'))?.name).toBe('Acme')
  })

  it('refuses an update to a slug or entity ID in use, naming the field, and changes nothing', async () => {
    await createIdp(env.DB, 'idp_globex', fields('Globex'), T0)
    const bySlug = await rejection(updateIdp(env.DB, 'idp_globex', { name: 'Renamed', slug: 'acme' }, T1))
    expect([bySlug.code, bySlug.detail]).toEqual(['ADMIN_CONFLICT', { field: 'slug' }])
    const byEntity = await rejection(updateIdp(env.DB, 'idp_globex', { entityId: 'https://acme.test/saml' }, T1))
    expect([byEntity.code, byEntity.detail]).toEqual(['ADMIN_CONFLICT', { field: 'entityId' }])
    expect(await getIdp(env.DB, 'idp_globex')).toMatchObject({ name: 'Globex', slug: 'globex', entityId: 'https://globex.test/saml', updatedAt: T0 })
  })

  it('lets an IdP keep its own slug and entity ID on update', async () => {
    const updated = await updateIdp(env.DB, 'idp_acme', { slug: 'acme', entityId: 'https://acme.test/saml', name: 'Acme 2' }, T1)
    expect(updated?.name).toBe('Acme 2')
  })
})

describe('lookups', () => {
  beforeEach(async () => {
    await createIdp(env.DB, 'idp_acme', fields('Acme'), T0)
    await createIdp(env.DB, 'idp_globex', fields('Globex'), T0)
  })

  it('finds an IdP by id or by slug', async () => {
    expect((await findIdp(env.DB, 'idp_acme'))?.id).toBe('idp_acme')
    expect((await findIdp(env.DB, 'globex'))?.id).toBe('idp_globex')
    expect(await findIdp(env.DB, 'initech')).toBeNull()
    expect(await findIdp(env.DB, 'Acme')).toBeNull()
  })

  it('prefers the IdP whose id matches over one whose slug matches', async () => {
    await createIdp(env.DB, 'idp_slugged', fields('Slugged', { slug: 'idp_acme' }), T0)
    expect((await findIdp(env.DB, 'idp_acme'))?.id).toBe('idp_acme')
  })

  it('finds an IdP by its exact entity ID', async () => {
    expect((await findIdpByEntityId(env.DB, 'https://globex.test/saml'))?.id).toBe('idp_globex')
    expect(await findIdpByEntityId(env.DB, 'https://globex.test/saml/')).toBeNull()
    expect(await findIdpByEntityId(env.DB, 'globex')).toBeNull()
  })

  it('lists IdPs by sort order, then name', async () => {
    await updateIdp(env.DB, 'idp_acme', { sortOrder: 2 }, T1)
    await createIdp(env.DB, 'idp_initech', fields('Initech', { sortOrder: 1 }), T0)
    await createIdp(env.DB, 'idp_hooli', fields('Hooli', { sortOrder: 1 }), T0)
    expect((await listIdps(env.DB)).map((i) => i.name)).toEqual(['Globex', 'Hooli', 'Initech', 'Acme'])
  })

  it('offers users only enabled IdPs marked to show, in the same order', async () => {
    await createIdp(env.DB, 'idp_hidden', fields('Hidden', { showOnSelection: false }), T0)
    await createIdp(env.DB, 'idp_off', fields('Off', { enabled: false }), T0)
    await createIdp(env.DB, 'idp_first', fields('Zeta', { sortOrder: -1 }), T0)
    expect((await listSelectableIdps(env.DB)).map((i) => i.id)).toEqual(['idp_first', 'idp_acme', 'idp_globex'])
  })
})
