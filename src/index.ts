/**
 * The gateway Worker's entry, on the portal's hostname: customer sign-in, ACS, logout, hand-offs,
 * the broker and the portal proxy. The admin console and the setup links are passed on untouched
 * to the console Worker (src/console.ts) through the CONSOLE service binding (app.ts).
 */
import { defaultDeps } from './app-base'
import { createGatewayApp } from './gateway-app'

// Durable Object classes are exported by the Worker entry (wrangler.toml binds RATE_LIMITER).
export { RateLimiter } from './store/rate-limits'

const app = createGatewayApp(defaultDeps, (request, env) => env.CONSOLE.fetch(request))

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>
