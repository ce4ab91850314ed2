/**
 * Worker entry: the HTTP app and the daily cron trigger (replay-row and audit retention pruning,
 * IdP metadata refresh).
 */
import { createApp } from './app'
import { runMaintenance } from './scheduled'

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
