// Test helper (runs in workerd): IdP metadata signed at its root, as a federation or an IdP that
// signs its metadata publishes it, with the core's own enveloped signer and a fixture key.
import { XMLSerializer } from '@xmldom/xmldom'
import { signEnveloped } from '../../src/saml/dsig/sign'
import { importPrivateKey } from '../../src/saml/x509'
import { parseXml } from '../../src/saml/xml/parse'

/** `xml` (one md:EntityDescriptor) with an ID on its root and an enveloped signature there, made with `key`. */
export async function signMetadata(xml: string, key: string, cert: string): Promise<string> {
  const doc = parseXml(xml.replace(/<md:EntityDescriptor /, '<md:EntityDescriptor ID="_signed-metadata" '))
  const privateKey = await importPrivateKey(key, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })
  await signEnveloped(doc.documentElement!, { privateKey, certificatePem: cert, insertAfter: null })
  return new XMLSerializer().serializeToString(doc)
}
