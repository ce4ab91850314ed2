// Claims of the cron's less frequent jobs (store/scheduled-jobs.ts): a job is claimed once per
// period even when two runs race, a failed run gives its claim back, and finishing is recorded.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { claimJob, finishJob, getJob, releaseJob } from '../../src/store/scheduled-jobs'

const T0 = new Date('2031-03-01T03:15:00Z')
const DAY = 86_400_000
const at = (ms: number) => new Date(T0.getTime() + ms)

describe('claimJob', () => {
  it('claims a job that never ran, then not again until the next period starts', async () => {
    expect(await claimJob(env.DB, 'job-a', T0, T0)).toEqual({ previous: null })
    expect(await claimJob(env.DB, 'job-a', at(5 * 60_000), T0)).toBe(false)
    expect(await claimJob(env.DB, 'job-a', at(DAY), at(DAY))).toMatchObject({ previous: { name: 'job-a', startedAt: T0 } })
    expect(await getJob(env.DB, 'job-a')).toMatchObject({ startedAt: at(DAY), finishedAt: null })
  })

  it('lets exactly one of two racing runs win', async () => {
    const results = await Promise.all([claimJob(env.DB, 'job-b', T0, T0), claimJob(env.DB, 'job-b', T0, T0), claimJob(env.DB, 'job-b', T0, T0)])
    expect(results.filter((r) => r !== false)).toHaveLength(1)
  })

  it('records the end of a run, and a released claim lets the next run start it again', async () => {
    await claimJob(env.DB, 'job-c', T0, T0)
    await finishJob(env.DB, 'job-c', at(60_000))
    expect(await getJob(env.DB, 'job-c')).toMatchObject({ startedAt: T0, finishedAt: at(60_000) })

    const claim = await claimJob(env.DB, 'job-c', at(DAY), at(DAY))
    expect(claim).not.toBe(false)
    await releaseJob(env.DB, 'job-c', claim ? claim.previous : null)
    // Back to the previous run: due again on the very next try.
    expect(await getJob(env.DB, 'job-c')).toMatchObject({ startedAt: T0, finishedAt: at(60_000) })
    expect(await claimJob(env.DB, 'job-c', at(DAY + 300_000), at(DAY))).not.toBe(false)
  })

  it('forgets a first run that failed', async () => {
    const claim = await claimJob(env.DB, 'job-d', T0, T0)
    await releaseJob(env.DB, 'job-d', claim ? claim.previous : null)
    expect(await getJob(env.DB, 'job-d')).toBeNull()
  })
})
