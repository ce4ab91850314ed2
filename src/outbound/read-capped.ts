/**
 * Reads a fetched response's body up to a byte limit, so an answer from a host we do not control
 * (IdP metadata, a DNS resolver) can never make us read without bound.
 */

/** The body as text, or null when it is larger than maxBytes (the rest is then not read). */
export async function readCappedText(res: Response, maxBytes: number): Promise<string | null> {
  const reader = res.body?.getReader()
  if (!reader) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const next = await reader.read()
    if (next.done) break
    size += next.value.length
    if (size > maxBytes) {
      await reader.cancel()
      return null
    }
    chunks.push(next.value)
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.length
  }
  return new TextDecoder().decode(bytes)
}
