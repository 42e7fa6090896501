const openers = '"\'“‘「『（(［[【《〈«'
const closers = '"\'”’」』）)］]】》〉»'
const weakTail = /[\s,，、:：;；\-–—]+$/
const danglingTail = /[\s,，、:：;；\-–—"'“‘「『（(［[【《〈«]+$/
const weakHead = /^[\s,，、:：;；\-–—]+/
const strong = /^[.!?。！？…]+/
const strongTail = /[.!?。！？…]$/
const cjk = /[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/

function capitalize(s: string): string {
  const c = s.charCodeAt(0)
  return c >= 0x61 && c <= 0x7a ? String.fromCharCode(c - 0x20) + s.slice(1) : s
}

/**
 * Joins the text left of a removed span with the text right of it so no debris remains: an
 * emptied pair of quotes or brackets goes, weak punctuation (`,` `:` `;` `-` and their CJK forms)
 * at the seam goes, a sentence end is kept once, one space separates words (none next to CJK),
 * and a sentence that now starts the text gets a capital letter.
 * @internal
 */
export function tidyJoin(left: string, right: string): string {
  let l = left.trimEnd()
  let r = right
  for (;;) {
    const rt = r.trimStart()
    if (l.length > 0 && rt.length > 0 && openers.includes(l[l.length - 1]!) && closers.includes(rt[0]!)) {
      l = l.slice(0, -1).trimEnd()
      r = rt.slice(1)
      continue
    }
    break
  }
  r = r.replace(weakHead, '')
  if (strong.test(r)) {
    l = l.replace(weakTail, '')
    if (l.length === 0 || strongTail.test(l)) r = r.replace(strong, '').trimStart()
  }
  if (l.length === 0) return capitalize(r)
  if (r.length === 0) return l.replace(danglingTail, '')
  if (strongTail.test(l)) r = capitalize(r)
  const noSpace = cjk.test(l[l.length - 1]!) || cjk.test(r[0]!) || /^[.!?,;:)\]}。！？，、]/.test(r)
  return noSpace ? l + r : `${l} ${r}`
}
