/**
 * Worker entry: the HTTP app and the daily cron trigger (maintenance: replay-row and audit
 * retention pruning; metadata refresh joins it with the admin issue).
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
