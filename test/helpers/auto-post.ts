// Test helper: reads the gateway's auto-submitting POST page (ui/auto-post.tsx) the way a browser
// submits it: the form's action and every hidden field, entities decoded.
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" }
const decode = (s: string) => s.replace(/&(?:amp|lt|gt|quot|#39|#x27);/g, (e) => ENTITIES[e]!)

export function readAutoPost(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]*)"/.exec(html)
  if (!action) throw new Error('not an auto-post page')
  const fields: Record<string, string> = {}
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"\s*\/?>/g)) fields[decode(m[1]!)] = decode(m[2]!)
  return { action: decode(action[1]!), fields }
}
