/*
 * User memory reached through the MMU, as Linux does: the user side of every
 * copy is an unprivileged load or store (LDTR/STTR), so the hardware checks
 * the access against the user's own permissions (a kernel address, or a page
 * the user may not write, faults), and the current TTBR0 translates it.
 *
 * Only for the address space the CPU is running (uaccess.c decides, and has
 * checked the range lies below USER_TOP). Each user access is listed in
 * __ex_table with where to go should it fault: the kernel's data abort
 * handler (uaccess_fault in traps.c) first tries to resolve the fault as a
 * user access would (demand-zero, copy-on-write) and retries the
 * instruction; if it cannot, it resumes at the fix-up with x0 = -EFAULT or
 * -ENOMEM, and the routine returns that.
 *
 * Leaf routines: they use x0..x7 only and never touch the stack.
 */

/* `insn` may fault on a user address; a fault the handler cannot resolve
 * resumes at uaccess_fixup_return with x0 holding the error. */
.macro user insn:vararg
9999:   \insn
    .pushsection __ex_table, "a"
    .balign 4
    .long   9999b - .
    .long   uaccess_fixup_return - .
    .popsection
.endm

    .text

/* int uaccess_copy_in(void *dst, uint64_t usrc, size_t n): 0 or -errno. */
    .global uaccess_copy_in
    .type uaccess_copy_in, %function
uaccess_copy_in:
    cmp     x2, #16                 /* a timespec, an rlimit, a pair of fds: straight through */
    b.ne    0f
    user ldtr x3, [x1]
    user ldtr x4, [x1, #8]
    stp     x3, x4, [x0]
    mov     x0, #0
    ret
0:  subs    x2, x2, #64
    b.lo    2f
1:  user ldtr x3, [x1]
    user ldtr x4, [x1, #8]
    user ldtr x5, [x1, #16]
    user ldtr x6, [x1, #24]
    stp     x3, x4, [x0]
    stp     x5, x6, [x0, #16]
    user ldtr x3, [x1, #32]
    user ldtr x4, [x1, #40]
    user ldtr x5, [x1, #48]
    user ldtr x6, [x1, #56]
    stp     x3, x4, [x0, #32]
    stp     x5, x6, [x0, #48]
    add     x0, x0, #64
    add     x1, x1, #64
    subs    x2, x2, #64
    b.hs    1b
2:  adds    x2, x2, #64             /* 0..63 left */
    b.eq    9f
3:  tbz     x2, #5, 4f
    user ldtr x3, [x1]
    user ldtr x4, [x1, #8]
    user ldtr x5, [x1, #16]
    user ldtr x6, [x1, #24]
    stp     x3, x4, [x0]
    stp     x5, x6, [x0, #16]
    add     x0, x0, #32
    add     x1, x1, #32
4:  tbz     x2, #4, 5f
    user ldtr x3, [x1]
    user ldtr x4, [x1, #8]
    stp     x3, x4, [x0], #16
    add     x1, x1, #16
5:  tbz     x2, #3, 6f
    user ldtr x3, [x1]
    str     x3, [x0], #8
    add     x1, x1, #8
6:  tbz     x2, #2, 7f
    user ldtr w3, [x1]
    str     w3, [x0], #4
    add     x1, x1, #4
7:  tbz     x2, #1, 8f
    user ldtrh w3, [x1]
    strh    w3, [x0], #2
    add     x1, x1, #2
8:  tbz     x2, #0, 9f
    user ldtrb w3, [x1]
    strb    w3, [x0]
9:  mov     x0, #0
    ret
    .size uaccess_copy_in, . - uaccess_copy_in

/* int uaccess_copy_out(uint64_t udst, const void *src, size_t n): 0 or -errno. */
    .global uaccess_copy_out
    .type uaccess_copy_out, %function
uaccess_copy_out:
    cmp     x2, #16
    b.ne    0f
    ldp     x3, x4, [x1]
    user sttr x3, [x0]
    user sttr x4, [x0, #8]
    mov     x0, #0
    ret
0:  subs    x2, x2, #64
    b.lo    2f
1:  ldp     x3, x4, [x1]
    ldp     x5, x6, [x1, #16]
    user sttr x3, [x0]
    user sttr x4, [x0, #8]
    user sttr x5, [x0, #16]
    user sttr x6, [x0, #24]
    ldp     x3, x4, [x1, #32]
    ldp     x5, x6, [x1, #48]
    user sttr x3, [x0, #32]
    user sttr x4, [x0, #40]
    user sttr x5, [x0, #48]
    user sttr x6, [x0, #56]
    add     x0, x0, #64
    add     x1, x1, #64
    subs    x2, x2, #64
    b.hs    1b
2:  adds    x2, x2, #64
    b.eq    9f
3:  tbz     x2, #5, 4f
    ldp     x3, x4, [x1]
    ldp     x5, x6, [x1, #16]
    user sttr x3, [x0]
    user sttr x4, [x0, #8]
    user sttr x5, [x0, #16]
    user sttr x6, [x0, #24]
    add     x0, x0, #32
    add     x1, x1, #32
4:  tbz     x2, #4, 5f
    ldp     x3, x4, [x1], #16
    user sttr x3, [x0]
    user sttr x4, [x0, #8]
    add     x0, x0, #16
5:  tbz     x2, #3, 6f
    ldr     x3, [x1], #8
    user sttr x3, [x0]
    add     x0, x0, #8
6:  tbz     x2, #2, 7f
    ldr     w3, [x1], #4
    user sttr w3, [x0]
    add     x0, x0, #4
7:  tbz     x2, #1, 8f
    ldrh    w3, [x1], #2
    user sttrh w3, [x0]
    add     x0, x0, #2
8:  tbz     x2, #0, 9f
    ldrb    w3, [x1]
    user sttrb w3, [x0]
9:  mov     x0, #0
    ret
    .size uaccess_copy_out, . - uaccess_copy_out

/*
 * long uaccess_string(char *dst, uint64_t usrc, size_t max): copies the user
 * string at usrc into dst up to its NUL, looking at no more than max bytes;
 * returns the length with its NUL if that is at most max, else max + 1
 * (strnlen_user's answer), or -errno. Whole words from aligned user
 * addresses, so a read never crosses into a page the string does not reach.
 */
    .global uaccess_string
    .type uaccess_string, %function
uaccess_string:
    mov     x7, x0                  /* where dst started */
    mov     x6, #0x0101010101010101
1:  cbz     x2, .Ltoo_long          /* bytes up to the first aligned word */
    tst     x1, #7
    b.eq    2f
    user ldtrb w3, [x1]
    strb    w3, [x0], #1
    add     x1, x1, #1
    sub     x2, x2, #1
    cbz     w3, .Lfound
    b       1b
2:  cmp     x2, #8                  /* aligned words while a whole one fits */
    b.lo    4f
    user ldtr x3, [x1]
    sub     x4, x3, x6              /* a zero byte sets its top bit here ... */
    orr     x5, x3, #0x7f7f7f7f7f7f7f7f
    bics    xzr, x4, x5             /* ... where the byte's own top bit is clear */
    b.ne    4f                      /* the NUL is in this word: bytes from here */
    str     x3, [x0], #8
    add     x1, x1, #8
    sub     x2, x2, #8
    b       2b
4:  cbz     x2, .Ltoo_long
    user ldtrb w3, [x1]
    strb    w3, [x0], #1
    add     x1, x1, #1
    sub     x2, x2, #1
    cbnz    w3, 4b
.Lfound:
    sub     x0, x0, x7              /* bytes stored, the NUL included */
    ret
.Ltoo_long:
    sub     x0, x0, x7
    add     x0, x0, #1              /* max + 1 */
    ret
    .size uaccess_string, . - uaccess_string

/* Where a faulting user access resumes: x0 already holds the error. */
    .type uaccess_fixup_return, %function
uaccess_fixup_return:
    ret
    .size uaccess_fixup_return, . - uaccess_fixup_return
