/**
 * The console Worker's entry (wrangler.console.jsonc): the admin console and API and the setup
 * links, reached only through the gateway's CONSOLE service binding; and the cron trigger, every
 * 5 minutes (webhook outbox deliveries; once a day the maintenance: retention pruning, IdP
 * metadata refresh, ... — scheduled.ts).
 */
import { defaultDeps } from './app-base'
import { createConsoleApp } from './console-app'
import { runScheduled } from './scheduled'

const app = createConsoleApp(defaultDeps)

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    // The run's clock starts at the scheduled time and runs on, so a webhook signed minutes into
    // a long run carries the time it was really sent (receivers check it within 5 minutes).
    const startedMs = Date.now()
    const clock = () => new Date(controller.scheduledTime + (Date.now() - startedMs))
    ctx.waitUntil(
      runScheduled(env, new Date(controller.scheduledTime), { clock, waitUntil: (p) => ctx.waitUntil(p) }).then((report) =>
        console.log(JSON.stringify({ level: 'info', msg: 'cron', cron: controller.cron, ...report })),
      ),
    )
  },
} satisfies ExportedHandler<Env>
