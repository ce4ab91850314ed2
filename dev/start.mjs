// `npm start`: the whole local stack with no Cloudflare account. Ctrl-C stops everything.
import { ensureDevVars, startStack } from './stack.mjs'

const created = ensureDevVars()
if (created) {
  console.log('\nCreated .dev.vars with fresh secrets (shown once; they stay readable in .dev.vars):')
  console.log(`  ADMIN_TOKEN=${created.ADMIN_TOKEN}`)
  console.log(`  SSO_SECRET=${created.SSO_SECRET}\n`)
}

const stack = await startStack()
const idpLines = Object.values(stack.idps).map(
  (idp) =>
    `  ${idp.name.padEnd(24)} ${idp.url}   (sign in: ${stack.gatewayUrl}/sso/login?idp=${idp.slug})\n` +
    idp.users
      .map((u) => `      ${u.email.padEnd(22)} ${u.displayName}${u.groups.length ? ` · groups: ${u.groups.join(', ')}` : ''}${u.note ? ` (${u.note})` : ''}`)
      .join('\n'),
)
console.log(`
  Gateway      ${stack.gatewayUrl}   (health: ${stack.gatewayUrl}/sso/health)
  Demo portal  ${stack.portalUrl}   (behind the gateway: open ${stack.gatewayUrl}/)
  Admin        ${stack.gatewayUrl}/sso/admin   (token: ADMIN_TOKEN in .dev.vars)
  Demo DNS     ${stack.dns.endpoint}   (DNS-over-HTTPS for domain checks; publish TXT records with POST ${stack.dns.url}/records)${
    stack.sp
      ? `
  Demo SAML SP ${stack.sp.url}   (a helpdesk using the gateway as its IdP, broker mode)`
      : ''
  }
${idpLines.length ? `\n  Demo IdPs (dev only, no passwords: pick a user on the IdP's page)\n${idpLines.join('\n')}\n` : ''}
  Ctrl-C stops everything.
`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (stopping) return
    stopping = true
    await stack.stop()
    process.exit(0)
  })
}
stack.child.on('exit', async (code) => {
  if (stopping) return
  console.error(`wrangler dev exited (${code}); stopping.`)
  await stack.stop()
  process.exit(code ?? 1)
})
