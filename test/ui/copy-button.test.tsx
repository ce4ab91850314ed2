// The copy buttons (ui/copy-button.tsx): each value readable and selectable without JavaScript,
// the button hidden until the script shows it, and the CSP hash in step with the script as served.
import { describe, expect, it } from 'vitest'
import { COPY_SCRIPT_HASH } from '../../src/app'
import { COPY_SCRIPT, CopyScript, CopyValue } from '../../src/ui/copy-button'

describe('copy buttons', () => {
  it('renders a read-only input and a hidden button that names it', () => {
    const html = String(<CopyValue id="acs" label="ACS URL" value={'https://x.example/sso/acs?a="1"'} />)
    expect(html).toContain('<input id="v-acs" type="text" readonly="" value="https://x.example/sso/acs?a=&quot;1&quot;"')
    expect(html).toContain('data-copy-from="v-acs" hidden=""')
  })

  it('serves the script byte for byte as hashed in the CSP', async () => {
    const html = String(<CopyScript />)
    expect(html).toBe(`<script>${COPY_SCRIPT}</script>`)
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(COPY_SCRIPT)))
    expect(COPY_SCRIPT_HASH).toBe(`'sha256-${btoa(String.fromCharCode(...digest))}'`)
  })
})
