/** Audit log: newest first, filters as a GET form (bookmarkable, and what the overview's bars link to), keyset pages. */
import { AdminLayout, type AdminLayoutProps } from './layout'

export interface AuditItem {
  id: number
  at: string
  actor: string
  action: string
  idpId: string | null
  subject: string | null
  outcome: string
  code: string | null
  ip: string | null
  requestId: string | null
  detail: Record<string, unknown> | null
}

export function AuditPage(
  props: Omit<AdminLayoutProps, 'title' | 'active' | 'children'> & { entries: AuditItem[]; filters: Record<string, string>; nextHref: string | null },
) {
  const f = props.filters
  return (
    <AdminLayout {...props} title="Audit log" active="audit">
      <form method="get" action="/sso/admin/audit" class="grid2">
        <div>
          <label for="a-action">Action</label>
          <input id="a-action" type="text" name="action" value={f.action ?? ''} placeholder="login, idp.update, admin.auth…" />
        </div>
        <div>
          <label for="a-outcome">Outcome</label>
          <select id="a-outcome" name="outcome">
            <option value="">any</option>
            <option value="success" selected={f.outcome === 'success'}>
              success
            </option>
            <option value="failure" selected={f.outcome === 'failure'}>
              failure
            </option>
          </select>
        </div>
        <div>
          <label for="a-code">Code</label>
          <input id="a-code" type="text" name="code" value={f.code ?? ''} placeholder="SAML_SIGNATURE_INVALID" />
        </div>
        <div>
          <label for="a-idp">IdP id</label>
          <input id="a-idp" type="text" name="idpId" value={f.idpId ?? ''} />
        </div>
        <div>
          <label for="a-org">Organization id</label>
          <input id="a-org" type="text" name="organizationId" value={f.organizationId ?? ''} />
        </div>
        <div>
          <label for="a-since">From (UTC)</label>
          <input id="a-since" type="text" name="since" value={f.since ?? ''} placeholder="2031-01-31" aria-describedby="a-time-hint" />
        </div>
        <div>
          <label for="a-until">Before (UTC)</label>
          <input id="a-until" type="text" name="until" value={f.until ?? ''} placeholder="2031-02-01" aria-describedby="a-time-hint" />
        </div>
        <p id="a-time-hint" class="muted">
          From and Before take a date (from midnight UTC), a time such as 2031-01-31T12:00:00Z, or milliseconds since 1970; Before is not included.
        </p>
        <p>
          <button class="btn" type="submit">
            Filter
          </button>
        </p>
      </form>
      {props.entries.length === 0 ? (
        <p data-testid="audit-empty">No entries match.</p>
      ) : (
        <table class="responsive" data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              <th scope="col">Action</th>
              <th scope="col">Outcome</th>
              <th scope="col">Actor / subject</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((e) => (
              <tr data-action={e.action}>
                <td>{e.at.replace('T', ' ').slice(0, 19)}</td>
                <td>{e.action}</td>
                <td>
                  <span class={`tag ${e.outcome === 'success' ? 'ok' : 'warn'}`}>{e.outcome}</span> {e.code ? <code>{e.code}</code> : null}
                </td>
                <td>
                  {e.actor}
                  {e.subject ? <div class="muted">{e.subject}</div> : null}
                  {e.ip ? <div class="muted">{e.ip}</div> : null}
                </td>
                <td>
                  {e.detail ? <code>{JSON.stringify(e.detail).slice(0, 400)}</code> : null}
                  {e.requestId ? <div class="muted">request {e.requestId}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.nextHref ? (
        <p>
          <a class="btn secondary" href={props.nextHref}>
            Older entries
          </a>
        </p>
      ) : null}
    </AdminLayout>
  )
}
