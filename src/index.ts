/**
 * Worker entry: the HTTP app and the cron trigger (metadata refresh and retention hang on it).
 */
import { createApp } from './app'

const app = createApp()

export default {
  fetch: app.fetch,
  async scheduled(_controller, _env, _ctx) {
    // The daily cron: IdP metadata refresh and audit retention are added by the admin issue (#5).
    console.log(JSON.stringify({ level: 'info', msg: 'cron', task: 'none-yet' }))
  },
} satisfies ExportedHandler<Env>
