/** Admin sign-in with the ADMIN_TOKEN (the bootstrap credential). */
import { AdminLayout, Field } from './layout'

export function AdminLoginPage(props: { next: string; error?: string | undefined }) {
  return (
    <AdminLayout title="Admin sign-in" active="login">
      <form method="post" action="/sso/admin/login" class="card">
        <input type="hidden" name="next" value={props.next} />
        <Field
          name="token"
          label="Admin token"
          type="password"
          required
          error={props.error}
          hint="The ADMIN_TOKEN secret (locally: in .dev.vars). Members of the admin groups set in Settings can also come in through SSO."
        />
        <p>
          <button class="btn" type="submit">
            Sign in
          </button>
        </p>
      </form>
    </AdminLayout>
  )
}
