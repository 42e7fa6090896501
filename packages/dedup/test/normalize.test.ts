import t from 'tap'
import { normalize } from '../src/index.ts'

t.test('NFKC, case folding, punctuation and whitespace folding', async (t) => {
  t.equal(normalize('  Ｈｅｌｌｏ，　ＷＯＲＬＤ！ '), 'hello, world!')
  t.equal(normalize('“Quoted” ‘single’ «guillemets» 「括号」'), '"quoted" \'single\' "guillemets" "括号"')
  t.equal(normalize('a—b – c'), 'a-b - c')
  t.equal(normalize('你好。我很好、谢谢【注】《书》'), '你好.我很好,谢谢[注]<书>')
  t.equal(normalize('STRAẞE Straße ΣΟΦΟΣ ﬁ'), 'strasse strasse σοφοσ fi')
  t.equal(normalize('a\u200Db\uFE0F\u00ADc'), 'abc')
  t.equal(normalize('line\n\n\tbreak'), 'line break')
  t.equal(normalize('e\u0301'), 'é')
  t.equal(normalize(''), '')
  t.equal(normalize(null as unknown as string), '')
  t.equal(normalize('\ud800'), '\ud800', 'a lone surrogate is kept, not thrown on')
})
