// The one auto-submitting POST page (HTTP-POST binding, broker Responses, JWT hand-offs): every
// value escaped by hono/jsx, a visible button for JS-off browsers, and the only inline script,
// whose hash app.ts allows in the CSP.
import { describe, expect, it } from 'vitest'
import { AUTO_POST_SCRIPT_HASH } from '../../src/app'
import { AUTO_POST_SCRIPT, AutoPostPage } from '../../src/ui/auto-post'
import { readAutoPost } from '../helpers/auto-post'

const render = (props: Parameters<typeof AutoPostPage>[0]) => String(<AutoPostPage {...props} />)

describe('AutoPostPage', () => {
  it('escapes a hostile RelayState, value, field name and action', () => {
    const page = render({
      action: 'https://idp.example/sso?"><script>x</script>',
      fields: { SAMLRequest: 'abc"><b>', RelayState: '"><img src=x onerror=alert(1)>&', '"><i>': 'v' },
      message: '<em>Continuing</em>',
    })
    expect(page).not.toContain('<img')
    expect(page).not.toContain('<b>')
    expect(page).not.toContain('<i>')
    expect(page).not.toContain('<em>')
    expect(page).not.toContain('<script>x')
    expect(page.match(/<script>/g)).toHaveLength(1)
    // What a browser submits is exactly what the service asked for.
    expect(readAutoPost(page)).toEqual({
      action: 'https://idp.example/sso?"><script>x</script>',
      fields: { SAMLRequest: 'abc"><b>', RelayState: '"><img src=x onerror=alert(1)>&', '"><i>': 'v' },
    })
  })

  it('has a visible submit button (JavaScript off) and the one auto-submit script', () => {
    const page = render({ action: 'https://sp.example/acs', fields: { SAMLResponse: 'v' }, message: 'Continuing to the help desk…' })
    expect(page).toContain('<button type="submit">Continue</button>')
    expect(page).toContain(`<script>${AUTO_POST_SCRIPT}</script>`)
    expect(page).toContain('Continuing to the help desk…')
  })

  it('keeps the CSP hash in step with the auto-submit script', async () => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(AUTO_POST_SCRIPT)))
    expect(AUTO_POST_SCRIPT_HASH).toBe(`'sha256-${btoa(String.fromCharCode(...digest))}'`)
  })
})
