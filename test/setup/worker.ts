// The Worker under test (vitest.config.ts `main`): the gateway Worker exactly as deployed
// (src/index.ts), and the console Worker (src/console.ts) as a named entrypoint of the same test
// Worker. The gateway's CONSOLE service binding points at that entrypoint, so a test's request to
// /sso/admin or /sso/setup crosses a real service binding, as in production.
import { WorkerEntrypoint } from 'cloudflare:workers'
import consoleWorker from '../../src/console'

export { default, RateLimiter } from '../../src/index'

export class Console extends WorkerEntrypoint<Env> {
  override fetch(request: Request): Promise<Response> {
    return Promise.resolve(consoleWorker.fetch(request, this.env, this.ctx))
  }
}
