// workerd: readCappedText (outbound/read-capped.ts) over real Response bodies and ReadableStreams:
// a body within the limit is returned whole and decoded as UTF-8, a body one byte over is refused
// with null and its stream cancelled, so a host we do not control cannot make us read without bound.
import { describe, expect, it } from 'vitest'
import { readCappedText } from '../../src/outbound/read-capped'

const bytes = (...values: number[]) => new Uint8Array(values)

/** A body sent in the given chunks, one per pull, recording whether the reader cancelled it. */
function chunked(chunks: Uint8Array[]): { res: Response; state: { pulls: number; cancelled: boolean } } {
  const state = { pulls: 0, cancelled: false }
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[state.pulls++]
      if (next) controller.enqueue(next)
      else controller.close()
    },
    cancel() {
      state.cancelled = true
    },
  })
  return { res: new Response(body), state }
}

describe('readCappedText', () => {
  it('returns a body within the limit', async () => {
    expect(await readCappedText(new Response('{"Status":0}'), 1024)).toBe('{"Status":0}')
  })

  it('returns a body of exactly the limit, and refuses one byte more', async () => {
    expect(await readCappedText(new Response('hello'), 5)).toBe('hello')
    expect(await readCappedText(new Response('hello!'), 5)).toBeNull()
  })

  it('counts bytes, not characters', async () => {
    // "é" is two bytes in UTF-8.
    expect(await readCappedText(new Response('é'), 2)).toBe('é')
    expect(await readCappedText(new Response('é'), 1)).toBeNull()
  })

  it('counts every chunk of a streamed body', async () => {
    const { res } = chunked([bytes(0x61, 0x62), bytes(0x63, 0x64), bytes(0x65)])
    expect(await readCappedText(res, 4)).toBeNull()
    const { res: fits } = chunked([bytes(0x61, 0x62), bytes(0x63, 0x64), bytes(0x65)])
    expect(await readCappedText(fits, 5)).toBe('abcde')
  })

  it('stops reading and cancels the stream as soon as the body passes the limit', async () => {
    const KIB = new Uint8Array(1024).fill(0x20)
    let pulled = 0
    let cancelled = false
    // A body that would go on for 1 GB.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        if (pulled > 1024 * 1024) controller.close()
        else controller.enqueue(KIB.slice())
      },
      cancel() {
        cancelled = true
      },
    })
    expect(await readCappedText(new Response(body), 10 * 1024)).toBeNull()
    expect(cancelled).toBe(true)
    // Eleven chunks pass the limit; a few more may have been buffered ahead, not a gigabyte.
    expect(pulled).toBeGreaterThanOrEqual(11)
    expect(pulled).toBeLessThan(20)
  })

  it('refuses a single chunk larger than the limit', async () => {
    const { res, state } = chunked([new Uint8Array(4096), new Uint8Array(4096)])
    expect(await readCappedText(res, 1000)).toBeNull()
    expect(state.cancelled).toBe(true)
  })

  it('decodes UTF-8 characters split across chunks', async () => {
    // "hé€😀": é = C3 A9, € = E2 82 AC, 😀 = F0 9F 98 80, each cut between chunks.
    const { res } = chunked([bytes(0x68, 0xc3), bytes(0xa9, 0xe2, 0x82), bytes(0xac, 0xf0), bytes(0x9f), bytes(0x98, 0x80)])
    expect(await readCappedText(res, 64)).toBe('hé€😀')
  })

  it('returns an empty string for an empty body or no body', async () => {
    expect(await readCappedText(new Response(''), 10)).toBe('')
    expect(await readCappedText(new Response(null), 10)).toBe('')
    expect(await readCappedText(new Response(null, { status: 204 }), 0)).toBe('')
    expect(await readCappedText(chunked([]).res, 10)).toBe('')
  })
})
