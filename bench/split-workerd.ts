// Bench only: the gateway's deploy bundle in a bare `workerd` process of its own, with D1 and KV
// served by a second process (`wrangler dev` running bench/storage-proxy.worker.ts over miniflare's
// local D1 and KV). The gateway process then runs what a Cloudflare isolate runs: the Worker, its
// bindings' client side and workerd's HTTP handling; no dev server, no inspector, no SQLite. Its CPU
// time (utime + stime of that one process, /proc/<pid>/stat) is the figure the benches read.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { root } from '../dev/stack.mjs'

const wranglerBin = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
export const workerdBin = join(root, 'node_modules', 'workerd', 'bin', 'workerd')
const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim() || 100)
const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }

/**
 * CPU seconds used so far by one process: the sum of its threads' run time from
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds), so short spans (a cold start) are not lost to
 * the 10 ms ticks of /proc/<pid>/stat; that coarser figure (which also keeps exited threads) is
 * the fallback.
 */
export function processCpuSeconds(pid: number): number {
  try {
    let ns = 0
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
      } catch {
        // the thread ended meanwhile
      }
    }
    if (ns > 0) return ns / 1e9
  } catch {
    // no schedstat on this kernel
  }
  return processTickSeconds(pid)
}

/** CPU seconds (user + system, all threads, exited ones too) from /proc/<pid>/stat, in clock ticks. */
export function processTickSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

/** Resident memory of one process, in MiB (VmRSS from /proc/<pid>/status). */
export function processRssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

function wrangler(args: string[]): void {
  const r = spawnSync(process.execPath, [wranglerBin, ...args], { cwd: root, encoding: 'utf8', env: WRANGLER_ENV })
  if (r.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`)
}

export interface Bundle {
  dir: string
  file: string
  rawBytes: number
  gzipBytes: number
}

/**
 * The bundles `npm run deploy` uploads, built as its dry run does: the gateway's (measured; its
 * size is the gateway's cold start) in `dir`, the console's (what /sso/admin calls reach through
 * the CONSOLE binding: the bench seeds through the admin API) in `dir`/console.
 */
export function buildBundle(dir: string, { minify = true }: { minify?: boolean } = {}): Bundle {
  // Unminified only for a CPU profile (BENCH_PROFILE): its frames then name their source modules.
  wrangler(['deploy', '--dry-run', '--outdir', dir, ...(minify ? [] : ['--no-minify'])])
  wrangler(['deploy', '--dry-run', '--config', 'wrangler.console.jsonc', '--outdir', join(dir, 'console')])
  const file = join(dir, 'index.js')
  const bytes = readFileSync(file)
  return { dir, file, rawBytes: bytes.length, gzipBytes: gzipSync(bytes).length }
}

/** Throws when something already answers on `port` (a leftover process would be measured instead). */
export async function assertPortFree(port: number): Promise<void> {
  const answered = await fetch(`http://127.0.0.1:${port}/`).then(
    (res) => res.arrayBuffer().then(() => true),
    () => false,
  )
  if (answered) throw new Error(`port ${port} is in use: stop whatever runs there first`)
}

async function waitForHttp(url: string, ms: number, isUp: (res: Response) => boolean = (res) => res.ok): Promise<void> {
  const until = Date.now() + ms
  let last: unknown = null
  while (Date.now() < until) {
    try {
      const res = await fetch(url)
      await res.arrayBuffer()
      if (isUp(res)) return
      last = `status ${res.status}`
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url} did not come up within ${ms} ms (${String(last)})`)
}

/** Stops a detached child and its process group (wrangler and its workerd). */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {
    return
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // gone
    }
  }, 5000)
  await exited
  clearTimeout(timer)
}

export interface StorageProcess {
  url: string
  pid: number
  stop: () => Promise<void>
}

/**
 * The storage process: `wrangler dev` with the proxy worker, its D1 migrated, state under `state`.
 * Its port must be free; it runs in its own process group.
 */
export async function startStorage(state: string, port: number): Promise<StorageProcess> {
  const config = join(state, 'storage-wrangler.toml')
  writeFileSync(
    config,
    [
      'name = "edge-sso-bench-storage"',
      `main = ${JSON.stringify(join(root, 'bench', 'storage-proxy.worker.ts'))}`,
      'compatibility_date = "2026-11-01"',
      '[[d1_databases]]',
      'binding = "DB"',
      'database_name = "edge-sso"',
      'database_id = "bench-storage"',
      `migrations_dir = ${JSON.stringify(join(root, 'migrations'))}`,
      '[[kv_namespaces]]',
      'binding = "SESSIONS"',
      'id = "bench-storage"',
      '',
    ].join('\n'),
  )
  await assertPortFree(port)
  const persist = join(state, 'storage')
  wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist, '-c', config])
  const child = spawn(
    process.execPath,
    [wranglerBin, 'dev', '-c', config, '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persist, '--show-interactive-dev-session=false'],
    { cwd: state, stdio: ['ignore', 'pipe', 'pipe'], env: WRANGLER_ENV, detached: true },
  )
  let output = ''
  child.stdout?.on('data', (d) => (output += d))
  child.stderr?.on('data', (d) => (output += d))
  const url = `http://127.0.0.1:${port}`
  try {
    // The proxy answers 400 without its header: up.
    await waitForHttp(url, 60_000, (res) => res.status === 400)
  } catch (err) {
    await stopGroup(child)
    throw new Error(`${(err as Error).message}\n${output}`)
  }
  return { url, pid: child.pid!, stop: () => stopGroup(child) }
}

export interface GatewayOptions {
  bundle: Bundle
  port: number
  storageUrl: string
  /** Where the gateway's DO storage (rate limiter) lives. */
  state: string
  vars: Record<string, string>
  /** Opens workerd's inspector on this port (for a CPU profile by hand; never while measuring). */
  inspectorPort?: number
  /**
   * false: the CONSOLE binding points at a stand-in that answers 503, so a cold start counts the
   * gateway Worker alone (in production the console is a Worker of its own, started only for
   * /sso/admin and /sso/setup). Default true: the real console bundle (the bench seeds through it).
   */
  withConsole?: boolean
}

/** A capnp text literal. */
const capnpText = (s: string) => JSON.stringify(s)

/**
 * Services for D1 and KV in the storage process (one HTTP origin; a header names the store), and
 * the internet (the portal upstream runs on this machine).
 */
function storageServices(storageUrl: string): string {
  const host = new URL(storageUrl).host
  const external = (store: string) =>
    `external = (address = ${capnpText(host)}, http = (injectRequestHeaders = [(name = "x-bench-store", value = ${capnpText(store)})]))`
  return `(name = "storage-d1", ${external('d1')}),
    (name = "storage-kv", ${external('kv')}),
    (name = "internet", network = (allow = ["public", "private", "local"])),`
}

/** DB and SESSIONS as wrangler.toml declares them: D1 is workerd's own D1 binding (a wrapped binding) over the storage service. */
const storageBindings = `(name = "DB", wrapped = (moduleName = "cloudflare-internal:d1-api", innerBindings = [(name = "fetcher", service = "storage-d1")])),
    (name = "SESSIONS", kvNamespace = "storage-kv")`

/** The workerd config for the gateway bundle (written beside it: embed paths are relative): bindings as wrangler.toml declares them, storage remote. */
function gatewayConfig({ bundle, port, storageUrl, state, vars, withConsole = true }: GatewayOptions): string {
  mkdirSync(state, { recursive: true })
  writeFileSync(join(bundle.dir, 'console-stand-in.js'), "export default { fetch() { return new Response('console not loaded', { status: 503 }) } }\n")
  const consoleModule = withConsole
    ? 'modules = [(name = "console.js", esModule = embed "console/console.js")]'
    : 'modules = [(name = "console-stand-in.js", esModule = embed "console-stand-in.js")]'
  const texts = Object.entries(vars).map(([name, value]) => `(name = ${capnpText(name)}, text = ${capnpText(value)})`)
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "gateway", worker = .gateway),
    (name = "console", worker = .console),
    ${storageServices(storageUrl)}
    (name = "do-disk", disk = (path = ${capnpText(state)}, writable = true)),
  ],
  sockets = [(name = "http", address = ${capnpText(`127.0.0.1:${port}`)}, http = (), service = "gateway")],
);
const gateway :Workerd.Worker = (
  modules = [(name = "index.js", esModule = embed ${capnpText(basename(bundle.file))})],
  compatibilityDate = "2026-11-01",
  bindings = [
    ${storageBindings},
    (name = "RATE_LIMITER", durableObjectNamespace = "RateLimiter"),
    (name = "CONSOLE", service = "console"),
    ${texts.join(',\n    ')}
  ],
  durableObjectNamespaces = [(className = "RateLimiter", uniqueKey = "edge-sso-bench-rate-limiter", enableSql = true)],
  durableObjectStorage = (localDisk = "do-disk"),
);
const console :Workerd.Worker = (
  ${consoleModule},
  compatibilityDate = "2026-11-01",
  bindings = [
    ${storageBindings},
    (name = "RATE_LIMITER", durableObjectNamespace = (className = "RateLimiter", serviceName = "gateway")),
    ${texts.join(',\n    ')}
  ],
);
`
}

/**
 * The calibration Worker, in the same kind of process with the same storage: `/` answers at once
 * (an empty Worker: what workerd itself costs per request and to start), `/kv` makes one KV read,
 * `/d1` one D1 query, `/upstream` one fetch of `upstream`: what each such call costs the calling
 * process here (local HTTP to the storage process; Cloudflare's bindings travel differently).
 */
function calibrationConfig(dir: string, port: number, storageUrl: string, upstream: string): string {
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'calibration.js'),
    `export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname
    if (path === '/kv') return new Response(String(await env.SESSIONS.get('bench-calibration')))
    if (path === '/d1') return Response.json(await env.DB.prepare('SELECT 1 AS one').first())
    if (path === '/upstream') return new Response((await fetch(env.UPSTREAM)).body)
    return new Response('ok')
  },
}
`,
  )
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "calibration", worker = .calibration),
    ${storageServices(storageUrl)}
  ],
  sockets = [(name = "http", address = ${capnpText(`127.0.0.1:${port}`)}, http = (), service = "calibration")],
);
const calibration :Workerd.Worker = (
  modules = [(name = "calibration.js", esModule = embed "calibration.js")],
  compatibilityDate = "2026-11-01",
  bindings = [
    ${storageBindings},
    (name = "UPSTREAM", text = ${capnpText(upstream)}),
  ],
);
`
}

export interface WorkerdProcess {
  url: string
  pid: number
  /** CPU seconds of the process when its first response arrived (startup + one request). */
  firstResponseCpuSeconds: number
  output: () => string
  stop: () => Promise<void>
}

/**
 * Spawns workerd with `config` and waits for the first answer to `probePath` (polled every 5 ms:
 * refused connections cost workerd nothing), reading the process's CPU time right after it.
 */
async function startWorkerd(dir: string, name: string, config: string, port: number, probePath: string, extraArgs: string[] = []): Promise<WorkerdProcess> {
  await assertPortFree(port)
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}.capnp`)
  writeFileSync(file, config)
  const child = spawn(workerdBin, ['serve', file, '--experimental', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (d) => (output += d))
  child.stderr?.on('data', (d) => (output += d))
  const url = `http://127.0.0.1:${port}`
  const until = Date.now() + 30_000
  let firstResponseCpuSeconds = NaN
  while (Date.now() < until && child.exitCode === null) {
    try {
      await (await fetch(`${url}${probePath}`)).arrayBuffer()
      firstResponseCpuSeconds = processCpuSeconds(child.pid!)
      break
    } catch {
      await new Promise((r) => setTimeout(r, 5))
    }
  }
  const stop = async () => {
    if (child.exitCode !== null) return
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    child.kill('SIGTERM')
    await exited
  }
  if (Number.isNaN(firstResponseCpuSeconds)) {
    await stop()
    throw new Error(`workerd (${name}) did not answer on ${url}:\n${output}`)
  }
  return { url, pid: child.pid!, firstResponseCpuSeconds, output: () => output, stop }
}

/** The gateway in bare workerd (first answer: a no-op 404 under /sso/, which touches no storage). */
export function startGatewayWorkerd(options: GatewayOptions): Promise<WorkerdProcess> {
  const inspector = options.inspectorPort === undefined ? [] : [`--inspector-addr=127.0.0.1:${options.inspectorPort}`]
  return startWorkerd(options.bundle.dir, 'gateway', gatewayConfig(options), options.port, '/sso/no-such-page', inspector)
}

/** The calibration Worker (see calibrationConfig); first answer: `/`, an empty Worker's. */
export function startCalibrationWorkerd(dir: string, port: number, storageUrl: string, upstream: string): Promise<WorkerdProcess> {
  return startWorkerd(dir, 'calibration', calibrationConfig(dir, port, storageUrl, upstream), port, '/')
}

/** Calls the storage process has served so far, per store. */
export async function storageCalls(storageUrl: string): Promise<{ d1: number; kv: number }> {
  return (await fetch(storageUrl, { headers: { 'x-bench-store': 'counts' } })).json()
}

/** Removes a state directory made by a bench. */
export function removeState(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}
