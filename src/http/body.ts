/**
 * Request bodies as services want them: the string fields of a form, or a JSON value. Size is
 * bounded before this by middleware/body-limit.ts; parse failures are 400s with stable codes.
 */
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'

/**
 * The string fields of a urlencoded or multipart form. File parts are ignored, except those named
 * in `files`, read as UTF-8 text (the body limit already bounds them); an empty file is no value.
 */
export async function readForm(c: Context<AppEnv>, files: readonly string[] = []): Promise<Record<string, string>> {
  let body: Record<string, string | File | (string | File)[]>
  try {
    body = await c.req.parseBody()
  } catch {
    throw new AppError('BAD_REQUEST', 'The form could not be read')
  }
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === 'string') out[name] = value
    else if (value instanceof File && files.includes(name) && value.size > 0) out[name] = await value.text()
  }
  return out
}

/** The JSON body of an admin API call; an empty body is `empty` where the call allows one. */
export async function readJson(c: Context<AppEnv>, empty?: unknown): Promise<unknown> {
  const text = await c.req.text()
  if (empty !== undefined && text.trim() === '') return empty
  try {
    return JSON.parse(text)
  } catch {
    throw new AppError('ADMIN_INVALID_JSON', 'The body is not valid JSON.')
  }
}
