// The Chatbot Pro web page, on @chatbot-pro/client (served by the server under /client/): the
// state badge, each reply streaming, an "echo removed" marker when the server's echo guard acted,
// errors in words, and resume after a reload or a server restart (token kept in localStorage).
import { ChatClient } from '/client/index.js'

const $ = (id) => document.getElementById(id)
const log = $('log')
const badge = $('state')
const conn = $('conn')
const input = $('input')
const errorBox = $('error')
const TOKEN_KEY = 'chatbot-pro.token'

const tokenStore = {
  get: () => localStorage.getItem(TOKEN_KEY),
  set: (token) => localStorage.setItem(TOKEN_KEY, token),
  delete: () => localStorage.removeItem(TOKEN_KEY)
}
const client = new ChatClient({ url: location.origin, tokenStore })

const seconds = (ms) => `${Math.max(1, Math.ceil(ms / 1000))} s`

/** What an error means for the person typing, in words. */
function describe(err) {
  switch (err.code) {
    case 'BUSY':
      return 'Still answering another message of this conversation: send yours again in a moment.'
    case 'OVERLOADED':
      return `The server is overloaded right now: try again in ${seconds(err.retryAfterMs ?? 1000)}.`
    case 'RATE_LIMITED':
      return `You are sending messages too quickly: wait ${seconds(err.retryAfterMs ?? 60_000)}.`
    case 'CONNECTION_LOST':
      return 'The connection dropped before the reply arrived: send your message again.'
    case 'SESSION_ENDED':
      return 'This conversation has ended: start a new one.'
    case 'SHUTTING_DOWN':
      return 'The server is restarting: reconnecting…'
    case 'RECONNECT_FAILED':
      return 'Cannot reach the server. Reload the page to try again.'
    case 'MESSAGE_TOO_LONG':
      return 'That message is too long: split it into shorter ones.'
    case 'TOO_MANY_CONNECTIONS':
      return 'This conversation is open in too many tabs: close one and reload.'
    default:
      return err.code?.startsWith('LLM_')
        ? `The assistant could not answer (${err.code}): try again.`
        : `${err.message} (${err.code})`
  }
}

function showError(err) {
  errorBox.textContent = err ? describe(err) : ''
  errorBox.dataset.code = err ? err.code : ''
  errorBox.hidden = !err
}

function add(role, text) {
  const el = document.createElement('div')
  el.className = `msg ${role}`
  const body = document.createElement('span')
  body.className = 'text'
  body.textContent = text
  el.append(body)
  log.append(el)
  log.scrollTop = log.scrollHeight
  return el
}

function setState(state) {
  badge.textContent = state
  badge.dataset.state = state
  const ended = state === 'END'
  input.disabled = ended
  $('send').disabled = ended
  $('bye').hidden = ended
  $('new').hidden = !ended
}

const STATUS = {
  connecting: 'connecting…',
  open: 'connected',
  ended: 'ended',
  closed: 'disconnected',
  idle: 'offline'
}

client.on('status', (e) => {
  conn.dataset.conn = e.status
  conn.textContent =
    e.status === 'reconnecting'
      ? e.delayMs
        ? `reconnecting in ${seconds(e.delayMs)}…`
        : 'reconnecting…'
      : STATUS[e.status]
  if (e.status === 'open' && errorBox.dataset.code === 'SHUTTING_DOWN') showError(null)
  if (e.status === 'idle' && e.error) showError(e.error)
})

client.on('session', (session) => {
  setState(session.state)
  if (session.resumed) {
    if (log.childElementCount === 0) for (const turn of session.context) add(turn.role, turn.content)
  } else if (log.childElementCount > 0) {
    log.replaceChildren()
    add('system', 'The previous conversation is gone (the server restarted or it ended): this is a new one.')
  }
})

client.on('state', (e) => {
  setState(e.state)
  if (e.state === 'END') add('system', 'Conversation ended.')
  if (e.reason === 'shutdown') showError({ code: 'SHUTTING_DOWN' })
})

client.on('retry', (e) => {
  errorBox.hidden = false
  errorBox.dataset.code = e.code
  errorBox.textContent =
    e.code === 'BUSY'
      ? `Still answering the previous message: sending yours in ${seconds(e.delayMs)}.`
      : e.code === 'RATE_LIMITED'
        ? `You are sending messages too quickly: sending yours in ${seconds(e.delayMs)}.`
        : `The server is overloaded: retrying in ${seconds(e.delayMs)} (attempt ${e.attempt}).`
})

client.on('error', (err) => {
  if (err.code !== 'BAD_FRAME') showError(err)
})

async function send(text) {
  showError(null)
  add('user', text)
  const reply = client.send(text)
  let el = null
  try {
    for await (const delta of reply) {
      if (el === null) {
        el = add('assistant streaming', '')
        log.setAttribute('aria-busy', 'true')
      }
      el.firstChild.textContent += delta
      log.scrollTop = log.scrollHeight
    }
    const result = await reply.result
    el ??= add('assistant', '')
    el.firstChild.textContent = result.text
    if (result.echo) {
      // The server's echo guard removed (or cut) a repetition of the user's message.
      el.dataset.echo = 'removed'
      const mark = document.createElement('small')
      mark.className = 'echo-marker'
      mark.textContent = 'echo removed'
      mark.title = 'The model repeated your message; the server removed the repetition.'
      el.append(mark)
    }
    if (errorBox.dataset.code !== 'SHUTTING_DOWN') showError(null)
  } catch (err) {
    showError(err)
    if (el !== null && el.firstChild.textContent === '') el.remove()
  } finally {
    el?.classList.remove('streaming')
    log.removeAttribute('aria-busy')
  }
}

$('form').addEventListener('submit', (event) => {
  event.preventDefault()
  const text = input.value.trim()
  if (!text) return
  input.value = ''
  void send(text)
})

$('bye').addEventListener('click', () => {
  client.bye().catch(showError)
})

$('new').addEventListener('click', () => {
  log.replaceChildren()
  showError(null)
  client.connect().catch(showError)
})

setState('HELLO')
client.connect().catch(showError)
