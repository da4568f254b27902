; A burst of kernel text patches (e.g. several static_key flips in a row), called as a CPU's task
; function from two_sockets_programs.json.
.func poke_burst()
    i = 0
again:
    syscall entry_SYSCALL_64(&sys_text_poke_sync, 0)
    compute 20000                              ; user work between two flips
    i = i + 1
    jnz i < 4, again
    ret 0
.endfunc
