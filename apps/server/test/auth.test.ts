import t from 'tap'
import { TokenSigner } from '../src/auth.ts'

t.test('sign and verify', async (t) => {
  let now = 1_700_000_000_000
  const signer = new TokenSigner('s'.repeat(32), 60, () => now)
  const uid = signer.newUid()
  t.match(uid, /^[0-9a-f-]{36}$/)
  const token = signer.sign(uid)
  t.same(signer.verify(token), { uid, exp: 1_700_000_060 })
  now += 60_000
  t.equal(signer.verify(token), 'expired')
})

t.test('forged, foreign and malformed tokens are refused', async (t) => {
  const a = new TokenSigner('a'.repeat(32), 60)
  const b = new TokenSigner('b'.repeat(32), 60)
  const token = a.sign('user-1')
  t.equal(b.verify(token), 'bad-signature', 'another key')
  const [v, , exp, sig] = token.split('.')
  t.equal(a.verify(`${v}.user-2.${exp}.${sig}`), 'bad-signature', 'uid swapped')
  t.equal(a.verify(`${v}.user-1.${Number(exp) + 1000}.${sig}`), 'bad-signature', 'expiry extended')
  t.equal(a.verify(`${token}x`), 'bad-signature', 'signature changed in length')
  t.equal(a.verify('v2.user-1.1.x'), 'malformed')
  t.equal(a.verify('v1.user 1.1.x'), 'malformed')
  t.equal(a.verify('v1.user-1.soon.x'), 'malformed')
  t.equal(a.verify('nope'), 'malformed')
  t.equal(a.verify(42), 'malformed')
  t.equal(a.verify('x'.repeat(300)), 'malformed')
})

t.test('without a secret, tokens are valid for this signer only', async (t) => {
  const a = new TokenSigner(undefined, 60)
  const b = new TokenSigner(undefined, 60)
  const token = a.sign('u')
  t.same((a.verify(token) as { uid: string }).uid, 'u')
  t.equal(b.verify(token), 'bad-signature')
})

t.test('sign refuses a bad uid', async (t) => {
  const a = new TokenSigner(undefined, 60)
  t.throws(() => a.sign('has.dot'), TypeError)
  t.throws(() => a.sign(''), TypeError)
})
