; Device interrupts: arch/x86/kernel/irq.c DEFINE_IDTENTRY_IRQ(common_interrupt) (v6.6) through
; the edge flow handler (kernel/irq/chip.c handle_edge_irq(): ack, i.e. the APIC's EOI, then the
; driver's handler) and the softirq it may raise, run on the way out (kernel/softirq.c
; irq_exit_rcu() -> __irq_exit_rcu() -> invoke_softirq() -> __do_softirq()). Each device vector
; has its stub (irq_entries_start), generated with the scenario's devices; its cost and softirq
; come from the vector's irq_desc, filled at boot.

.equ NET_RX_SOFTIRQ, 3

.var irq_desc.cycles[256]                      ; the driver's handler: cycles of work
.var irq_desc.softirq[256]                     ; cycles of the softirq it raises (0: none)
.percpu softirq.pending                        ; local_softirq_pending(): cycles of work pending

; arch/x86/kernel/irq.c common_interrupt(regs, vector) -> handle_irq(desc, regs)
.func common_interrupt(user, vector)
    state = call irqentry_enter(user)
    call handle_edge_irq(vector)
    call irq_exit_rcu()
    call irqentry_exit(user, state)
    ret 0
.endfunc

; kernel/irq/chip.c handle_edge_irq(): chip->irq_ack() (apic_ack_edge() -> apic_eoi()), then
; handle_irq_event() -> the action's handler
.func handle_edge_irq(vector)
    wrmsr MSR_X2APIC_EOI, 0
    trace irq_handler_entry(vector)
    cycles = load irq_desc.cycles[vector]
    compute cycles                             ; action->handler(irq, dev_id)
    soft = load irq_desc.softirq[vector]
    jz soft, out
    store softirq.pending[this_cpu], soft      ; raise_softirq_irqoff(NET_RX_SOFTIRQ) (napi_schedule())
out:
    trace irq_handler_exit(vector)
    ret 0
.endfunc

; kernel/softirq.c irq_exit_rcu(): softirqs pending and not in an interrupt any more: run them
; with interrupts on (__do_softirq())
.func irq_exit_rcu()
    soft = load softirq.pending[this_cpu]
    jz soft, out
    store softirq.pending[this_cpu], 0         ; set_softirq_pending(0)
    trace softirq_entry(NET_RX_SOFTIRQ)
    sti
    compute soft                               ; net_rx_action()
    cli
    trace softirq_exit(NET_RX_SOFTIRQ)
out:
    ret 0
.endfunc
