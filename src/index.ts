/**
 * Worker entry: the HTTP app and the daily cron trigger (replay-row and audit retention pruning,
 * IdP metadata refresh).
 */
import { createApp } from './app'
import { runMaintenance } from './scheduled'

// Durable Object classes are exported by the Worker entry (wrangler.toml binds RATE_LIMITER).
export { RateLimiter } from './store/rate-limits'

const app = createApp()

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(
      runMaintenance(env, new Date(controller.scheduledTime)).then((report) =>
        console.log(JSON.stringify({ level: 'info', msg: 'cron', cron: controller.cron, ...report })),
      ),
    )
  },
} satisfies ExportedHandler<Env>
