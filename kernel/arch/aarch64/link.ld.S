/*
 * Kernel image layout. Preprocessed with the C preprocessor so the addresses
 * come from memlayout.h alone. Section boundaries that change permissions are
 * page aligned: text is read-only executable, rodata and the symbol table are
 * read-only, data and bss are read-write and never executable.
 */
#include "kenix/memlayout.h"

OUTPUT_ARCH(aarch64)
ENTRY(_head)

SECTIONS
{
    . = KIMAGE_VBASE + KIMAGE_TEXT_OFFSET;
    _text = .;
    .text : {
        KEEP(*(.text.head))
        *(.text .text.*)
    }
    . = ALIGN(PAGE_SIZE);
    _etext = .;

    _rodata = .;
    .rodata : { *(.rodata .rodata.*) }
    /* Where each user access of uaccess.S resumes should it fault (traps.c). */
    __ex_table : ALIGN(4) {
        __ex_table_start = .;
        KEEP(*(__ex_table))
        __ex_table_end = .;
    }
    /* Every trace hook's nop and where it branches while tracing (core/trace.h). */
    __trace_sites : ALIGN(8) {
        __trace_sites_start = .;
        KEEP(*(__trace_sites))
        __trace_sites_end = .;
    }
    /* The symbol table comes last among the read-only data: its size differs
     * between the two link passes, and nothing before it may move. */
    .ksyms : { KEEP(*(.ksyms)) }
    . = ALIGN(PAGE_SIZE);
    _erodata = .;

    _data = .;
    .data : { *(.data .data.*) }
    . = ALIGN(16);
    __bss_start = .;
    .bss (NOLOAD) : {
        *(.bss .bss.*)
        *(COMMON)
        *(.boot_stack)                 /* last: its guard is unmapped (boot.S) */
    }
    . = ALIGN(PAGE_SIZE);
    __bss_end = .;
    _end = .;

    _kernel_size = _end - _text;

    /DISCARD/ : { *(.comment) *(.note*) *(.eh_frame*) }
}

ASSERT(_text == KIMAGE_VBASE + KIMAGE_TEXT_OFFSET, "kernel not linked at its Image text offset")
