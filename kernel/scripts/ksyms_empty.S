/* The symbol table of the first link: empty, same section and names as the real one. */
    .section .ksyms, "a"
    .balign 8
    .globl ksyms_num, ksyms_addr, ksyms_name_off, ksyms_names
ksyms_num:
    .quad 0
ksyms_addr:
ksyms_name_off:
ksyms_names:
    .byte 0
