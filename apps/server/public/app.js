// The Chatbot Pro web client: one WebSocket speaking protocol v1 (see the server README), a state
// badge, streamed replies, and automatic reconnect that resumes the conversation with the token
// kept in localStorage.
const $ = (id) => document.getElementById(id)
const log = $('log')
const badge = $('state')
const conn = $('conn')
const form = $('form')
const input = $('input')
const errorBox = $('error')
const TOKEN_KEY = 'chatbot-pro.token'

let ws
let retries = 0
let pending = null // { id, el } of the reply being streamed
let seq = 0

function add(role, text) {
  const el = document.createElement('div')
  el.className = `msg ${role}`
  el.textContent = text
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
  $('bye').disabled = ended
}

function showError(text) {
  errorBox.textContent = text
  errorBox.hidden = !text
}

function send(frame) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ v: 1, ...frame }))
}

function connect() {
  conn.textContent = retries ? 'reconnecting' : 'connecting'
  conn.dataset.conn = 'connecting'
  const url = new URL('/v1/chat', location.href)
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:'
  ws = new WebSocket(url)
  ws.onopen = () => {
    conn.dataset.conn = 'open'
    const resume = localStorage.getItem(TOKEN_KEY)
    send(resume ? { type: 'hello', resume } : { type: 'hello' })
  }
  ws.onmessage = (event) => {
    const frame = JSON.parse(event.data)
    switch (frame.type) {
      case 'session':
        retries = 0
        localStorage.setItem(TOKEN_KEY, frame.token)
        setState(frame.state)
        if (!frame.resumed) log.replaceChildren()
        if (frame.resumed && log.childElementCount === 0) {
          for (const turn of frame.context ?? []) add(turn.role, turn.content)
        }
        break
      case 'delta':
        if (!pending || pending.id !== frame.id)
          pending = { id: frame.id, el: add('assistant streaming', '') }
        pending.el.textContent += frame.text
        log.scrollTop = log.scrollHeight
        break
      case 'reply':
        if (!pending || pending.id !== frame.id)
          pending = { id: frame.id, el: add('assistant streaming', '') }
        pending.el.textContent = frame.text
        pending.el.classList.remove('streaming')
        pending = null
        setState(frame.state)
        break
      case 'state':
        setState(frame.state)
        if (frame.state === 'END') {
          add('system', 'Conversation ended. Reload to start a new one.')
          localStorage.removeItem(TOKEN_KEY)
        }
        break
      case 'error':
        showError(`${frame.message} (${frame.code})`)
        if (pending) {
          pending.el.classList.remove('streaming')
          pending = null
        }
        if (
          frame.code === 'UNAUTHORIZED' ||
          frame.code === 'SESSION_ENDED' ||
          frame.code === 'SESSION_NOT_FOUND'
        ) {
          localStorage.removeItem(TOKEN_KEY)
        }
        break
    }
  }
  ws.onclose = (event) => {
    conn.dataset.conn = 'closed'
    if (badge.dataset.state === 'END' && event.code === 1000) return
    conn.textContent = 'disconnected'
    const delay = Math.min(10_000, 250 * 2 ** retries++)
    setTimeout(connect, delay)
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault()
  const text = input.value.trim()
  if (!text) return
  showError('')
  add('user', text)
  send({ type: 'text', id: `m${Date.now().toString(36)}${(seq++).toString(36)}`, text })
  input.value = ''
})

$('bye').addEventListener('click', () => send({ type: 'bye' }))

setState('HELLO')
connect()
