/**
 * The one auto-submitting POST page, for every hand-off to another site: AuthnRequests and
 * LogoutRequests/Responses over the HTTP-POST binding (bindings §3.5.4), the broker's Response to
 * a helpdesk, Zendesk's JWT. hono/jsx escapes every value; the button works with JS off; the
 * script is allowed by its CSP hash (app.ts), like the setup pages' copy script (copy-button.tsx).
 */

/** One of the two inline scripts the gateway serves; app.ts allows it by hash, a test recomputes the hash. */
export const AUTO_POST_SCRIPT = 'document.forms[0].submit()'

export interface AutoPostProps {
  /** An http(s) URL (the caller checks it: a `javascript:` action would run script on submit). */
  action: string
  fields: Record<string, string>
  /** What the user sees while the browser continues (and next to the button with JS off). */
  message: string
}

export function AutoPostPage(props: AutoPostProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{props.message}</title>
      </head>
      <body>
        <form method="post" action={props.action}>
          {Object.entries(props.fields).map(([name, value]) => (
            <input type="hidden" name={name} value={value} />
          ))}
          <p>{props.message}</p>
          <button type="submit">Continue</button>
        </form>
        <script>{AUTO_POST_SCRIPT}</script>
      </body>
    </html>
  )
}
