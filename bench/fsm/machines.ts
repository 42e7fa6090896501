// The same 4-state conversation machine for every contender: HELLO, CHATTING, PAUSE, END, events
// TEXT / IDLE / BYE / RESET (END -> HELLO so the loop can run forever), and the event cycle that
// visits every transition. No actions, no guards, no timers: pure transition throughput.
import { defineMachine, type TimerWheel } from '@chatbot-pro/fsm'
import StateMachine from 'javascript-state-machine'
import { interpret, createMachine as robotMachine, state, transition } from 'robot3'
import { createActor, createMachine as xstateMachine } from 'xstate'

export type BenchEvent = { type: 'TEXT' } | { type: 'IDLE' } | { type: 'BYE' } | { type: 'RESET' }

/** 6 events, all accepted, visiting every state: HELLO>CHATTING>CHATTING>PAUSE>CHATTING>END>HELLO. */
export const CYCLE: readonly BenchEvent[] = [
  { type: 'TEXT' },
  { type: 'TEXT' },
  { type: 'IDLE' },
  { type: 'TEXT' },
  { type: 'BYE' },
  { type: 'RESET' }
]
/** The same cycle as javascript-state-machine method names (it camel-cases transition names). */
export const JSM_CYCLE: readonly string[] = ['text', 'text', 'idle', 'text', 'bye', 'reset']
export const FINAL_STATE = 'HELLO'

/** Ours. With `pauseAfterMs`, CHATTING -> PAUSE is also an `after` (armed on every TEXT). */
export function ours(pauseAfterMs?: number) {
  return defineMachine({
    types: {} as { context: undefined; events: BenchEvent },
    initial: 'HELLO',
    states: {
      HELLO: { on: { TEXT: 'CHATTING', BYE: 'END' } },
      CHATTING: {
        on: { TEXT: 'CHATTING', IDLE: 'PAUSE', BYE: 'END' },
        ...(pauseAfterMs === undefined ? {} : { after: { ms: pauseAfterMs, target: 'PAUSE' as const } })
      },
      PAUSE: { on: { TEXT: 'CHATTING', BYE: 'END' } },
      END: { on: { RESET: 'HELLO' } }
    }
  })
}

export function oursInstance(wheel?: TimerWheel) {
  return ours().create(undefined, wheel ? { wheel } : {})
}

export const xstate = xstateMachine({
  types: {} as { events: BenchEvent },
  initial: 'HELLO',
  states: {
    HELLO: { on: { TEXT: 'CHATTING', BYE: 'END' } },
    CHATTING: { on: { TEXT: { target: 'CHATTING', reenter: true }, IDLE: 'PAUSE', BYE: 'END' } },
    PAUSE: { on: { TEXT: 'CHATTING', BYE: 'END' } },
    END: { on: { RESET: 'HELLO' } }
  }
})

/** xstate with CHATTING -> PAUSE `after` 30 s (one setTimeout per actor in CHATTING). */
export const xstateTimed = xstateMachine({
  types: {} as { events: BenchEvent },
  initial: 'CHATTING',
  states: {
    HELLO: { on: { TEXT: 'CHATTING', BYE: 'END' } },
    CHATTING: {
      on: { TEXT: { target: 'CHATTING', reenter: true }, IDLE: 'PAUSE', BYE: 'END' },
      after: { 30000: 'PAUSE' }
    },
    PAUSE: { on: { TEXT: 'CHATTING', BYE: 'END' } },
    END: { on: { RESET: 'HELLO' } }
  }
})

export function xstateActor(machine = xstate) {
  return createActor(machine).start()
}

export const robot = robotMachine('HELLO', {
  HELLO: state(transition('TEXT', 'CHATTING'), transition('BYE', 'END')),
  CHATTING: state(transition('TEXT', 'CHATTING'), transition('IDLE', 'PAUSE'), transition('BYE', 'END')),
  PAUSE: state(transition('TEXT', 'CHATTING'), transition('BYE', 'END')),
  END: state(transition('RESET', 'HELLO'))
})

export function robotService(initial = 'HELLO') {
  const service = interpret(robot, () => {})
  if (initial !== 'HELLO') service.send('TEXT')
  return service
}

const JSM_CONFIG = {
  init: 'HELLO',
  transitions: [
    { name: 'text', from: ['HELLO', 'CHATTING', 'PAUSE'], to: 'CHATTING' },
    { name: 'idle', from: 'CHATTING', to: 'PAUSE' },
    { name: 'bye', from: ['HELLO', 'CHATTING', 'PAUSE'], to: 'END' },
    { name: 'reset', from: 'END', to: 'HELLO' }
  ]
}
/** A class with the config shared by every instance (per-instance `new StateMachine(config)` costs ~2-4 kB). */
const JsmClass = StateMachine.factory(JSM_CONFIG)

export function jsm(init = 'HELLO') {
  const fsm = new JsmClass() as StateMachine
  if (init === 'CHATTING') (fsm.text as () => void)()
  return fsm
}

/**
 * The limit: a hand-written flat table, states and events as small integers
 * (`next = TABLE[state * 4 + event]`, -1 = not accepted), the event index from a `switch` on the
 * type (internalized strings compare by pointer).
 */
export const STATE_NAMES = ['HELLO', 'CHATTING', 'PAUSE', 'END'] as const
// prettier-ignore
export const FLAT = Int8Array.from([
  // TEXT IDLE BYE RESET
  1,
  -1,
  3,
  -1, // HELLO
  1,
  2,
  3,
  -1, //  CHATTING
  1,
  -1,
  3,
  -1, // PAUSE
  -1,
  -1,
  -1,
  0 //  END
])
export function eventIndex(type: string): number {
  switch (type) {
    case 'TEXT':
      return 0
    case 'IDLE':
      return 1
    case 'BYE':
      return 2
    default:
      return 3
  }
}

/** A hand-written nested object table and a string state (what most hand-rolled code looks like). */
export const TABLE: Record<string, Record<string, string>> = {
  HELLO: { TEXT: 'CHATTING', BYE: 'END' },
  CHATTING: { TEXT: 'CHATTING', IDLE: 'PAUSE', BYE: 'END' },
  PAUSE: { TEXT: 'CHATTING', BYE: 'END' },
  END: { RESET: 'HELLO' }
}
