/**
 * The customer-facing /sso/ routes. The IdP selection and SAML flows land with the gateway issue;
 * this module already owns the path space so nothing under /sso/ ever reaches the portal.
 */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { listSelectableIdps } from '../store/idps'
import { SelectIdpPage } from '../ui/select-idp'

export const ssoRoutes = new Hono<AppEnv>().get('/login', async (c) => {
  const idps = await listSelectableIdps(c.env.DB)
  c.header('Cache-Control', 'no-store')
  return c.html(<SelectIdpPage idps={idps.map((i) => ({ slug: i.slug, name: i.name }))} returnTo={c.req.query('return_to') ?? '/'} />)
})
