// The customer's error page (ui/error-page.tsx): the portal's branding, the support contact as a
// link (mail or https), a reference to quote with a copy button hidden until the script runs, and
// nothing meant for the admin.
import { describe, expect, it } from 'vitest'
import { ErrorPage } from '../../src/ui/error-page'

const branding = { portalName: 'Acme Help', accent: '#aa3300', logoUrl: 'https://acme.example/logo.png', supportContact: 'help@acme.example' }

describe('the error page', () => {
  it('shows the branding, the support contact and a reference to quote', () => {
    const html = String(<ErrorPage code="SAML_STATUS_NOT_SUCCESS" message="Your organization did not sign you in." requestId="req-1" branding={branding} />)
    expect(html).toContain('<title>Sign-in problem · Acme Help</title>')
    expect(html).toContain(':root{--accent:#aa3300}')
    expect(html).toContain('<img src="https://acme.example/logo.png" alt="Acme Help"')
    expect(html).toContain('<a href="mailto:help@acme.example">help@acme.example</a>')
    expect(html).toContain('<button type="button" data-copy-text="SAML_STATUS_NOT_SUCCESS req-1" hidden="">Copy reference</button>')
  })

  it('links an https support contact as it is, and shows none when there is none', () => {
    const url = String(<ErrorPage code="X" message="m" requestId="r" branding={{ ...branding, supportContact: 'https://acme.example/help' }} />)
    expect(url).toContain('<a href="https://acme.example/help">https://acme.example/help</a>')
    expect(String(<ErrorPage code="X" message="m" requestId="r" branding={{ ...branding, supportContact: null }} />)).not.toContain('support-contact')
  })
})
