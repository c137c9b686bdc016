/*
 * The vDSO image inside the kernel's read-only data, on pages of its own:
 * every process maps these very pages (posix/vdso.c), so nothing else of the
 * kernel may share them -- hence the alignment at both ends, the tail of the
 * last page being zeros.
 */
    .section .rodata.vdso, "a"
    .balign 4096
    .global vdso_image_start
vdso_image_start:
    .incbin VDSO_IMAGE_PATH
    .balign 4096
    .global vdso_image_end
vdso_image_end:
