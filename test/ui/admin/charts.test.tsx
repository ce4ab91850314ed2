// Chart primitives (ui/admin/charts.tsx) as rendered HTML: a value axis of whole, round steps;
// stacked bars whose heights add up to their totals, each a link out of the tab order; an SVG named
// by its <title>/<desc>; every number and link again in a table; bar lists whose rows say their
// label and number; and values that cannot break the markup.
import { describe, expect, it } from 'vitest'
import { BarList, StackedBarChart, valueScale, type ChartCategory } from '../../../src/ui/admin/charts'

describe('valueScale', () => {
  it.each([
    [0, 1, [0, 1]],
    [1, 1, [0, 1]],
    [3, 3, [0, 1, 2, 3]],
    [7, 8, [0, 2, 4, 6, 8]],
    [10, 10, [0, 5, 10]],
    [37, 40, [0, 10, 20, 30, 40]],
    [1234, 1500, [0, 500, 1000, 1500]],
  ])('gives %i a top of %i with whole, round ticks', (max, top, ticks) => {
    expect(valueScale(max)).toEqual({ top, ticks })
  })
})

const days: ChartCategory[] = [
  { key: '2031-01-01', label: '2031-01-01', tick: '1 Jan' },
  { key: '2031-01-02', label: '2031-01-02' },
  { key: '2031-01-03', label: '2031-01-03', tick: '3 Jan' },
]

function chart(extra: Partial<Parameters<typeof StackedBarChart>[0]> = {}): string {
  return String(
    <StackedBarChart
      id="c"
      title="Sign-ins per day"
      summary="5 sign-ins in 3 days."
      categories={days}
      unit={{ one: 'sign-in', many: 'sign-ins' }}
      series={[
        { key: 'a', label: 'Acme', values: [2, 0, 1], hrefs: ['/a/1', '/a/2', '/a/3'] },
        { key: 'other', label: 'Other', values: [2, 0, 0], hrefs: ['/o/1', null, null], isRest: true, linkNote: 'every sign-in of that day.' },
      ]}
      {...extra}
    />,
  )
}

describe('StackedBarChart', () => {
  it('is an image named by its title and description, holding no link (an image cannot)', () => {
    const html = chart()
    expect(html).toMatch(/<svg class="chart-svg" viewBox="0 0 30 100" preserveAspectRatio="none" role="img" aria-labelledby="c-title c-desc">/)
    const image = html.slice(html.indexOf('<svg class="chart-svg"'), html.indexOf('</svg>'))
    expect(image).not.toContain('<a ')
    expect(html).toContain('<title id="c-title">Sign-ins per day</title>')
    expect(html).toContain('<desc id="c-desc">5 sign-ins in 3 days.</desc>')
  })

  it('stacks each category’s segments up to its total, each covered by its link, hidden from assistive technology and out of the tab order', () => {
    const html = chart()
    // Top 4 (the largest day): Acme's 2 fills the lower half of day one, Other's 2 the upper half.
    expect(html).toContain('<rect class="s0" x="1.5" width="7" y="50" height="50"></rect><rect class="s-other" x="1.5" width="7" y="0" height="50"></rect>')
    expect(html).toContain('<rect class="s0" x="21.5" width="7" y="75" height="25"></rect>')
    expect(html).toContain('<svg class="chart-hit" viewBox="0 0 30 100" preserveAspectRatio="none" aria-hidden="true">')
    expect(html).toContain(
      '<a href="/a/1" tabindex="-1" data-series="a" data-category="2031-01-01" data-count="2"><rect x="1.5" width="7" y="50" height="50"><title>2031-01-01 · Acme: 2 sign-ins</title></rect></a>',
    )
    expect(html).toContain(
      '<a href="/a/3" tabindex="-1" data-series="a" data-category="2031-01-03" data-count="1"><rect x="21.5" width="7" y="75" height="25"><title>2031-01-03 · Acme: 1 sign-in</title>',
    )
    // Nothing drawn for a zero.
    expect(html).not.toMatch(/data-series="[^"]+" data-category="2031-01-02"/)
  })

  it('labels the axes in HTML: value ticks, and only the categories that have a tick', () => {
    const html = chart()
    expect(html).toContain('<div class="chart-y" aria-hidden="true"><span style="bottom:0%">0</span><span style="bottom:25%">1</span>')
    expect(html).toContain('<span class="first" style="left:0%">1 Jan</span>')
    expect(html).toContain('<span class="last" style="left:100%">3 Jan</span>')
    expect(html).not.toContain('>2031-01-02</span>')
  })

  it('gives every number again in a table, with the same links and the note on what a link shows', () => {
    const html = chart({ extraColumns: [{ key: 'f', label: 'Failed', values: [0, 4, 0], hrefs: ['/f/1', '/f/2', '/f/3'] }] })
    expect(html).toContain('<p class="muted">Other: every sign-in of that day.</p>')
    expect(html).toContain('<caption class="vh">Sign-ins per day</caption>')
    expect(html).toContain(
      '<tr data-category="2031-01-01"><th scope="row">2031-01-01</th><td class="n"><a href="/a/1">2</a></td><td class="n"><a href="/o/1">2</a></td><td class="n">0</td><td class="n">4</td></tr>',
    )
    // The extra column is in the table only, and not in the total.
    expect(html).toContain('<td class="n"><a href="/f/2">4</a></td><td class="n">0</td></tr>')
  })

  it('escapes labels', () => {
    const html = chart({ series: [{ label: '<b>Evil & Co</b>', values: [1, 1, 1] }] })
    expect(html).not.toContain('<b>')
    expect(html).toContain('&lt;b&gt;Evil &amp; Co&lt;/b&gt;')
  })
})

describe('BarList', () => {
  it('draws bars relative to the largest, each row a link saying its label and number', () => {
    const html = String(
      <BarList
        id="f"
        title="Failures by code"
        unit={{ one: 'failed sign-in', many: 'failed sign-ins' }}
        items={[
          { label: 'SAML_EXPIRED', value: 4, href: '/audit?code=SAML_EXPIRED' },
          { label: 'Other codes', value: 1, href: null, key: 'other' },
        ]}
      />,
    )
    expect(html).toContain('<ol class="hbars" aria-label="Failures by code">')
    expect(html).toMatch(
      /<li data-key="SAML_EXPIRED" data-count="4"><a href="\/audit\?code=SAML_EXPIRED"><span class="hbar-label"><code>SAML_EXPIRED<\/code><\/span><svg [^>]*aria-hidden="true"[^>]*><rect class="s-fail" x="0" y="0" height="10" width="100"><\/rect><\/svg><span class="hbar-n">4<span class="vh"> failed sign-ins<\/span><\/span><\/a><\/li>/,
    )
    expect(html).toMatch(/<li data-key="other" data-count="1"><span class="hbars-row">.*width="25".*1<span class="vh"> failed sign-in<\/span>/)
  })
})
