// The page shell (ui/layout.tsx): CSS is served as written (hono/jsx escaped it as text, which
// turned "Segoe UI" into &quot;Segoe UI&quot; and dropped the whole font rule on every page), a
// brand color only when it is #rrggbb, and no way for CSS to end its <style> element.
import { describe, expect, it } from 'vitest'
import { AdminLayout } from '../../src/ui/admin/layout'
import { ErrorPage } from '../../src/ui/error-page'
import { AccentStyle, BASE_CSS, Layout, Style } from '../../src/ui/layout'

describe('page CSS', () => {
  it('is served unescaped on customer pages and in the console', () => {
    const page = String(<ErrorPage code="X" message="m" requestId="r" />)
    expect(page).toContain('"Segoe UI"')
    expect(page).not.toContain('&quot;')
    expect(page).toContain(BASE_CSS)
    const console = String(
      <AdminLayout title="t" active="idps" csrf="c" actor="admin-token">
        x
      </AdminLayout>,
    )
    expect(console).toContain('"Segoe UI"')
    expect(console).not.toMatch(/<style>[^<]*&quot;/)
  })

  it('takes a brand color only as #rrggbb', () => {
    expect(
      String(
        <Layout title="t" accent="#12ab34">
          x
        </Layout>,
      ),
    ).toContain('<style>:root{--accent:#12ab34}</style>')
    expect(String(<AccentStyle accent="red;}</style><script>alert(1)</script>" />)).toBe('')
  })

  it('cannot end its element early', () => {
    expect(String(<Style css="a{}</style><script>alert(1)</script>" />)).toBe('<style>a{}\\3c /style>\\3c script>alert(1)\\3c /script></style>')
  })
})
