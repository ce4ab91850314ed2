/**
 * Copy buttons as a progressive enhancement: each value is a read-only input (select and copy
 * by hand without JavaScript), or a `data-copy-text` button carries its text. Each button is
 * `hidden` until this one inline script (allowed by its hash in the CSP, app.ts
 * COPY_SCRIPT_HASH) shows it and copies on click.
 */
import { raw } from 'hono/html'

export const COPY_SCRIPT =
  "document.querySelectorAll('button[data-copy-from],button[data-copy-text]').forEach(function(b){b.hidden=false;b.addEventListener('click',function(){var i=document.getElementById(b.getAttribute('data-copy-from'));var t=b.getAttribute('data-copy-text');navigator.clipboard.writeText(t!==null?t:i.value).then(function(){b.textContent='Copied'},function(){if(i)i.select()})})})"

export function CopyScript() {
  return <script>{raw(COPY_SCRIPT)}</script>
}

/** A labelled value to paste elsewhere, with its copy button. */
export function CopyValue(props: { id: string; label: string; value: string; inputId?: string }) {
  const inputId = props.inputId ?? `v-${props.id}`
  return (
    <div class="copy-value">
      <label for={inputId}>{props.label}</label>
      <div class="copy-row">
        <input id={inputId} type="text" readonly value={props.value} data-testid={`value-${props.id}`} />
        <button type="button" class="secondary" data-copy-from={inputId} hidden>
          Copy
        </button>
      </div>
    </div>
  )
}
