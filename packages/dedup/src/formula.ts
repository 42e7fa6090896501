import { tokenKey } from './normalize.ts'
import { hashString } from './tokenize.ts'

/**
 * Function words and social formulas, written for this package (no corpus-derived data): English
 * words and Chinese characters that carry no content of their own — pronouns, articles,
 * auxiliaries, prepositions, particles — and the words of greetings, thanks, apologies and
 * farewells. A short user message made only of these ("Nice chatting with you!", "好的谢谢") is
 * a pleasantry: saying it back ("Nice chatting with you too!") is how people answer one, not an
 * echo, so such a message is never judged. A longer one ("No, that was all for now, thank you.")
 * repeated whole is still an echo.
 */
const EN = `a an the this that these those it its i me my mine we us our you your yours he him his
she her they them their is am are was were be been being do does did done have has had will would
shall should can could may might must to of in on at for from by with about as into over after
before up down out off than then so and or but if not no nor what which who whom where when why how
there here all any some each every more most much many very really so such just also too only even
again still now please thanks thank thx ty cheers hi hello hey bye goodbye ok okay yes yeah yep
sure great good nice fine well sorry welcome alright right lovely wonderful awesome cool perfect
glad happy pleasure chat chatting talk talking talked meet meeting day night morning evening
afternoon weekend see soon later care luck have having get got let lets me i'd i'm i'll i've
you're you've you'll it's that's what's there's don't doesn't didn't can't won't isn't wasn't
that'll too much lot lots again bit kind`

const ZH = `的地得了着过是在有和与及或也都就还又再才很太更最挺真好对行嗯哦噢喔啊呀吧呢吗嘛哈呵啦咯哟呗
恩额我你您他她它们这那个些此其之于以可能会要想让把被给到从为向跟而且并但却不没无么什怎哪多少几谢
请帮麻烦问一下上里边样了然嗨喂拜再见早晚安辛苦客气关系抱歉歉意好棒赞喜欢开心高兴聊天祝愉快`

const formula = new Set<number>()
for (const w of EN.split(/\s+/)) if (w.length > 0) formula.add(hashString(tokenKey(w)))
for (const c of ZH.replace(/\s+/g, '')) formula.add(hashString(c))

/** Longest pleasantry, in tokens: from this length on, a message is judged whatever its words. */
export const MAX_PLEASANTRY = 5

/**
 * Whether the `k` token hashes `h[0, k)` are a pleasantry: at most {@link MAX_PLEASANTRY} tokens,
 * every one a function or formula word. @internal
 */
export function formulaOnly(h: Int32Array, k: number): boolean {
  if (k > MAX_PLEASANTRY) return false
  for (let i = 0; i < k; i++) if (!formula.has(h[i]!)) return false
  return true
}
