import type { CountTokens } from './context.ts'
import { FSM_TOKENIZER_MISSING, FSM_UNKNOWN_TOKENIZER } from './errors.ts'

/** The BPE encodings {@link loadTokenCounter} knows. */
export type TokenizerName = 'o200k_base' | 'cl100k_base'

/** Every {@link TokenizerName}, for validating configuration. */
export const TOKENIZERS: readonly TokenizerName[] = Object.freeze(['o200k_base', 'cl100k_base'])

/** Options of {@link loadTokenCounter}. */
export interface LoadTokenCounterOptions {
  /**
   * Imports the encoding module (`gpt-tokenizer/encoding/<name>`). Default: a dynamic `import()`.
   * Pass one where a bundler needs static specifiers, or to load the module from elsewhere.
   */
  importer?: (specifier: string) => Promise<unknown>
}

interface EncodingModule {
  countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number
}

// Literal specifiers, so bundlers that follow dynamic imports can see them.
const importEncoding = (specifier: string): Promise<unknown> =>
  specifier === 'gpt-tokenizer/encoding/o200k_base'
    ? import('gpt-tokenizer/encoding/o200k_base')
    : import('gpt-tokenizer/encoding/cl100k_base')

// Node says ERR_MODULE_NOT_FOUND (ESM) or MODULE_NOT_FOUND (CJS); some loader hooks (TypeScript
// test runners) rethrow it without the code, so the message is checked too.
function notFound(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const { code, message } = err as { code?: unknown; message?: unknown }
  return (
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    (typeof message === 'string' && /^Cannot find (package|module) /.test(message))
  )
}

/**
 * Loads a real BPE token counter for `maxTokens`: `o200k_base` (GPT-4o, GPT-4.1, o-series, GPT-5)
 * or `cl100k_base` (GPT-4, GPT-3.5), through the optional peer dependency `gpt-tokenizer`,
 * imported only when this is called. The result counts exactly as OpenAI's tiktoken does for the
 * same text (message framing tokens excluded), and never throws on text that spells a special
 * token such as `<|endoftext|>`: user text is counted as text, as the API counts message content.
 * Pass it as `countTokens` to `conversationMachine()` or the plugin.
 *
 * Rejects with `FSM_UNKNOWN_TOKENIZER` (a RangeError) for another name, and `FSM_TOKENIZER_MISSING`
 * when `gpt-tokenizer` cannot be imported.
 */
export async function loadTokenCounter(
  name: TokenizerName,
  options: LoadTokenCounterOptions = {}
): Promise<CountTokens> {
  if (!TOKENIZERS.includes(name)) throw new FSM_UNKNOWN_TOKENIZER(JSON.stringify(name) ?? String(name))
  const importer = options.importer ?? importEncoding
  let mod: Partial<EncodingModule>
  try {
    mod = (await importer(`gpt-tokenizer/encoding/${name}`)) as Partial<EncodingModule>
  } catch (err) {
    if (!notFound(err)) throw err
    const e = new FSM_TOKENIZER_MISSING(name, (err as Error).message)
    e.cause = err
    throw e
  }
  const count = mod?.countTokens
  if (typeof count !== 'function') throw new FSM_TOKENIZER_MISSING(name, 'the module has no countTokens()')
  // An empty disallowed set: special-token spellings in user text are ordinary text (tiktoken's
  // `disallowed_special=()`); the default would throw on them. One options object for every call.
  const asText = { disallowedSpecial: new Set<string>() }
  return (text: string): number => count(text, asText)
}
