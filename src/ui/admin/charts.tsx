/**
 * Chart primitives for the console: pure functions of their props, rendered as inline SVG on the
 * server (the CSP runs no script of ours but the copy buttons'). Each chart has a text alternative:
 * an SVG <title>/<desc> and every number in a table (stacked bars) or in its own label (bar lists),
 * each linked as its bar is. Axis labels are HTML beside the SVG, so text stays readable when
 * the SVG stretches from a 390 px phone to a desktop (viewBox + width:100%).
 */

export const CHART_CSS = `
.chart{margin:0 0 1.5rem;min-width:0}.chart-grid{display:grid;grid-template-columns:auto minmax(0,1fr);column-gap:.4rem}
.chart-y{position:relative;min-width:2ch;height:11rem}.chart-y span{position:absolute;right:0;transform:translateY(50%);font-size:.75rem;line-height:1;color:var(--muted)}
.chart-svg{display:block;width:100%;height:11rem;overflow:visible}.chart-svg .grid{stroke:var(--border);stroke-width:1px;vector-effect:non-scaling-stroke}
.chart-svg .axis{stroke:var(--muted);stroke-width:1px;vector-effect:non-scaling-stroke}
.chart-svg rect,.hbars rect{fill:var(--c);stroke:var(--card);stroke-width:1px;vector-effect:non-scaling-stroke}
.chart-plot{position:relative;min-width:0}.chart-hit{position:absolute;inset:0;width:100%;height:100%}.chart-hit rect{fill:transparent}.chart-hit a:hover rect{fill:color-mix(in srgb,var(--card) 35%,transparent)}
.chart-x{position:relative;grid-column:2;height:1.5rem}.chart-x span{position:absolute;top:.25rem;transform:translateX(-50%);font-size:.75rem;color:var(--muted);white-space:nowrap}
.chart-x span.first{transform:none}.chart-x span.last{transform:translateX(-100%)}
.legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;padding:0;margin:.25rem 0 .5rem}.legend li{overflow-wrap:anywhere}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;background:var(--c);vertical-align:-.05rem;margin-right:.35rem}
.s0{--c:#1c7ed6}.s1{--c:#ca6702}.s2{--c:#2f9e44}.s3{--c:#ae3ec9}.s4{--c:#d6336c}.s5{--c:#0c8599}.s-other{--c:#7a8294}.s-fail{--c:#d9480f}
.hbars{list-style:none;padding:0;margin:0}.hbars li{margin:0 0 .35rem}
.hbars a,.hbars-row{display:grid;grid-template-columns:minmax(0,16rem) minmax(3rem,1fr) auto;gap:.6rem;align-items:center;text-decoration:none;color:var(--fg)}
.hbars a:hover .hbar-label,.hbars a:focus .hbar-label{text-decoration:underline}.hbars svg{display:block;width:100%;height:1rem}
.hbar-label{overflow-wrap:anywhere}.hbar-n{font-variant-numeric:tabular-nums;font-weight:600}
@media (max-width:40rem){.hbars a,.hbars-row{grid-template-columns:minmax(3rem,1fr) auto;gap:.1rem .6rem}.hbar-label{grid-column:1/-1}}
.chart details{margin:.5rem 0}.chart td.n,.chart th.n{text-align:right;font-variant-numeric:tabular-nums}
.vh{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
`

/** Series colors, in order; every one has at least 3:1 contrast on the light and the dark theme's backgrounds (WCAG 1.4.11). */
const SERIES_CLASSES = ['s0', 's1', 's2', 's3', 's4', 's5'] as const

export interface ChartSeries {
  label: string
  /** One value per category. */
  values: number[]
  /** Where each category's bar leads (the audit log filtered to it); null for no link. */
  hrefs?: (string | null)[]
  /** What a link finds when it is more than this bar (e.g. "every sign-in that day" for "Other"). */
  linkNote?: string
  /** Drawn in grey, after the others ("Other"). */
  isRest?: boolean
  /** Stable key for tests and styling. */
  key?: string
}

export interface ChartCategory {
  /** Stable key (e.g. the ISO date). */
  key: string
  /** Full label, in tooltips and the table (e.g. 2031-01-05). */
  label: string
  /** Short label under the axis; categories without one get no tick. */
  tick?: string
}

/** A top for the value axis and its ticks: 1, 2 or 5 × 10ⁿ steps, whole numbers (counts), four or five ticks. */
export function valueScale(max: number): { top: number; ticks: number[] } {
  if (!(max > 0)) return { top: 1, ticks: [0, 1] }
  const rough = max / 4
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  const step = Math.max(
    1,
    [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough)!,
  )
  const top = Math.ceil(max / step) * step
  return { top, ticks: Array.from({ length: top / step + 1 }, (_, i) => i * step) }
}

const plural = (n: number, unit: { one: string; many: string }) => `${n} ${n === 1 ? unit.one : unit.many}`
const colorOf = (s: ChartSeries, i: number) => (s.isRest ? 's-other' : SERIES_CLASSES[i % SERIES_CLASSES.length]!)

export interface StackedBarChartProps {
  /** Unique on the page: prefixes the element ids. */
  id: string
  /** The chart's name: the SVG's <title> and the table's caption. */
  title: string
  /** What the chart shows, in a sentence or two (the SVG's <desc>). */
  summary: string
  categories: ChartCategory[]
  series: ChartSeries[]
  /** Columns only in the numbers table (not drawn), e.g. failures per day. */
  extraColumns?: ChartSeries[]
  unit: { one: string; many: string }
}

interface Segment {
  category: ChartCategory
  series: ChartSeries
  color: string
  value: number
  x: number
  y: number
  height: number
  href: string | null
}

/**
 * Vertical bars, one per category, stacked by series. The drawing is an image (role="img", named
 * by its <title> and <desc>), and an image holds no links (axe: nested-interactive); so each
 * segment's link lies over it in a second, transparent SVG that assistive technology skips
 * (aria-hidden, out of the tab order). The same links are in the numbers table below, reachable
 * by keyboard and screen reader.
 */
export function StackedBarChart(props: StackedBarChartProps) {
  const n = props.categories.length
  const W = 10
  const totals = props.categories.map((_, c) => props.series.reduce((a, s) => a + (s.values[c] ?? 0), 0))
  const { top, ticks } = valueScale(Math.max(0, ...totals))
  const y = (v: number) => 100 - (v / top) * 100
  const segments: Segment[] = props.categories.flatMap((category, c) => {
    let base = 0
    return props.series.flatMap((series, i) => {
      const value = series.values[c] ?? 0
      if (value <= 0) return []
      base += value
      return [{ category, series, color: colorOf(series, i), value, x: c * W + 1.5, y: y(base), height: (value / top) * 100, href: series.hrefs?.[c] ?? null }]
    })
  })
  const viewBox = `0 0 ${n * W} 100`
  return (
    <figure class="chart" data-chart={props.id}>
      <div class="chart-grid">
        <div class="chart-y" aria-hidden="true">
          {ticks.map((t) => (
            <span style={`bottom:${(t / top) * 100}%`}>{t}</span>
          ))}
        </div>
        <div class="chart-plot">
          <svg class="chart-svg" viewBox={viewBox} preserveAspectRatio="none" role="img" aria-labelledby={`${props.id}-title ${props.id}-desc`}>
            <title id={`${props.id}-title`}>{props.title}</title>
            <desc id={`${props.id}-desc`}>{props.summary}</desc>
            {ticks.slice(1).map((t) => (
              <line class="grid" x1="0" x2={n * W} y1={y(t)} y2={y(t)} />
            ))}
            {segments.map((s) => (
              <rect class={s.color} x={s.x} width={W - 3} y={s.y} height={s.height} />
            ))}
            <line class="axis" x1="0" x2={n * W} y1="100" y2="100" />
          </svg>
          <svg class="chart-hit" viewBox={viewBox} preserveAspectRatio="none" aria-hidden="true">
            {segments.map((s) =>
              s.href ? (
                <a href={s.href} tabindex={-1} data-series={s.series.key ?? s.series.label} data-category={s.category.key} data-count={s.value}>
                  <rect x={s.x} width={W - 3} y={s.y} height={s.height}>
                    <title>{`${s.category.label} · ${s.series.label}: ${plural(s.value, props.unit)}`}</title>
                  </rect>
                </a>
              ) : null,
            )}
          </svg>
        </div>
        <div class="chart-x" aria-hidden="true">
          {props.categories.map((cat, c) =>
            cat.tick ? (
              <span class={c === 0 ? 'first' : c === n - 1 ? 'last' : undefined} style={`left:${c === 0 ? 0 : c === n - 1 ? 100 : ((c + 0.5) / n) * 100}%`}>
                {cat.tick}
              </span>
            ) : null,
          )}
        </div>
      </div>
      <ul class="legend">
        {props.series.map((s, i) => (
          <li>
            <span class={`swatch ${colorOf(s, i)}`} aria-hidden="true"></span>
            {s.label} <span class="muted">({s.values.reduce((a, b) => a + b, 0)})</span>
          </li>
        ))}
      </ul>
      <NumbersTable {...props} totals={totals} />
    </figure>
  )
}

/** Every number of a stacked chart, with the bars' links: the chart's text alternative. */
function NumbersTable(props: StackedBarChartProps & { totals: number[] }) {
  const columns = [...props.series, ...(props.extraColumns ?? [])]
  const notes = columns.filter((s) => s.linkNote)
  return (
    <details>
      <summary>The numbers, with links to the audit log</summary>
      {notes.map((s) => (
        <p class="muted">
          {s.label}: {s.linkNote}
        </p>
      ))}
      <div class="table-wrap">
        <table data-testid={`${props.id}-table`}>
          <caption class="vh">{props.title}</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {columns.map((s) => (
                <th scope="col" class="n">
                  {s.label}
                </th>
              ))}
              <th scope="col" class="n">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {props.categories.map((cat, c) => (
              <tr data-category={cat.key}>
                <th scope="row">{cat.label}</th>
                {columns.map((s) => {
                  const v = s.values[c] ?? 0
                  const href = s.hrefs?.[c]
                  return <td class="n">{v > 0 && href ? <a href={href}>{v}</a> : v}</td>
                })}
                <td class="n">{props.totals[c]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  )
}

export interface BarListItem {
  /** The row's name (e.g. an error code), shown as code. */
  label: string
  value: number
  href: string | null
  key?: string
}

/**
 * Horizontal bars, one per row, longest first as given: each row is a link whose text says the
 * label and the number, so the list is its own text alternative (the bar itself is decoration).
 */
export function BarList(props: { id: string; title: string; items: BarListItem[]; unit: { one: string; many: string }; rowClass?: string }) {
  const max = Math.max(1, ...props.items.map((i) => i.value))
  return (
    <figure class="chart" data-chart={props.id}>
      <ol class="hbars" aria-label={props.title}>
        {props.items.map((item) => {
          const body = [
            <span class="hbar-label">
              <code>{item.label}</code>
            </span>,
            <svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
              <rect class={props.rowClass ?? 's-fail'} x="0" y="0" height="10" width={Math.max(0.5, (item.value / max) * 100)} />
            </svg>,
            <span class="hbar-n">
              {item.value}
              <span class="vh"> {item.value === 1 ? props.unit.one : props.unit.many}</span>
            </span>,
          ]
          return (
            <li data-key={item.key ?? item.label} data-count={item.value}>
              {item.href ? <a href={item.href}>{body}</a> : <span class="hbars-row">{body}</span>}
            </li>
          )
        })}
      </ol>
    </figure>
  )
}
