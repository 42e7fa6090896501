// javascript-state-machine ships no types; the benchmarks use only this much of it.
declare module 'javascript-state-machine' {
  interface StateMachineConfig {
    init: string
    transitions: Array<{ name: string; from: string | string[]; to: string }>
  }
  class StateMachine {
    constructor(config?: StateMachineConfig)
    static factory(config: StateMachineConfig): new () => StateMachine
    state: string;
    [transition: string]: unknown
  }
  export default StateMachine
}
