/**
 * Page shell for every server-rendered page: small inline CSS, no client framework, no data
 * from outside its props (views never read env or the database).
 */
import { raw } from 'hono/html'
import type { Child } from 'hono/jsx'

export const BASE_CSS = `
:root{color-scheme:light dark;--fg:#1d2330;--muted:#5b6475;--bg:#f6f7fb;--card:#fff;--accent:#2557d6;--border:#d9dde7;--warn:#8a4b00;--ok:#1e6b24}
@media (prefers-color-scheme:dark){:root{--fg:#e8ebf2;--muted:#a3abbd;--bg:#12151c;--card:#1b1f29;--accent:#7aa2ff;--border:#2c3242;--warn:#f2b45c;--ok:#7fd18a}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:32rem;margin:8vh auto;padding:0 1rem}.card{background:var(--card);border:1px solid var(--border);border-radius:12px;padding:1.5rem}
h1{font-size:1.4rem;margin:0 0 .75rem}p{margin:.5rem 0}.muted{color:var(--muted);font-size:.9rem}
code{font:600 .9rem ui-monospace,SFMono-Regular,Menlo,monospace;background:color-mix(in srgb,var(--accent) 12%,transparent);padding:.1rem .35rem;border-radius:4px}
a{color:var(--accent)}
`

/**
 * A `<style>` element with our own CSS as written: hono/jsx would escape it as text (turning
 * `"Segoe UI"` into `&quot;Segoe UI&quot;` and dropping the whole rule). Only constant CSS and
 * validated colors come here; a `<` could end the element, so it is written as a CSS escape.
 */
export function Style(props: { css: string }) {
  return <style>{raw(props.css.replace(/</g, '\\3c '))}</style>
}

/** The brand color rule, for a validated `#rrggbb` only. */
export function AccentStyle(props: { accent: string | undefined | null }) {
  // Concatenated, not a template literal: a formatter would reflow CSS written inside one.
  return props.accent && /^#[0-9a-f]{6}$/i.test(props.accent) ? <Style css={':root{--accent:' + props.accent + '}'} /> : null
}

export interface LayoutProps {
  title: string
  /** Brand color from settings (validated #rrggbb). */
  accent?: string | undefined
  children: Child
}

export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{props.title}</title>
        <Style css={BASE_CSS} />
        <AccentStyle accent={props.accent} />
      </head>
      <body>
        <main>{props.children}</main>
      </body>
    </html>
  )
}
