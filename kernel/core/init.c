/*
 * Starting process 1. Init gets what nobody else has: the initrd as a memory
 * object (so it can start the servers and programs in it), and each virtio
 * device's registers and interrupt (so it can hand them to drivers). The list
 * is in a read-only page whose address is the auxv entry AT_KENIX_BOOTINFO.
 */
#include "init.h"

#include "kenix/bootinfo.h"
#include "kenix/cmdline.h"
#include "kenix/errno.h"
#include "kenix/ipc.h"
#include "kenix/memlayout.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "handle.h"
#include "irqobj.h"
#include "memobj.h"
#include "process.h"
#include "../dev/virtio_mmio.h"
#include "../lib/ustack.h"
#include "../mm/vmspace.h"
#include "../posix/exec.h"

#define INIT_DEFAULT "/init"

/* Installs obj in init's table and describes it in the boot info; drops the creation reference. */
static int boot_handle(struct process *p, struct kx_bootinfo *bi, struct kobject *obj, uint32_t rights,
                       struct kx_boot_handle desc)
{
    if (!obj)
        return -ENOMEM;
    int h = bi->count < KX_BOOTINFO_MAX ? handle_install(&p->handles, obj, rights, 0, 0) : -ENOSPC;
    kobject_put(obj);
    if (h < 0)
        return h;
    desc.handle = h;
    desc.type = obj->type;
    bi->handles[bi->count++] = desc;
    return 0;
}

static int give_boot_handles(struct process *p, struct kx_bootinfo *bi)
{
    const uint32_t pass = KX_RIGHT_DUP | KX_RIGHT_TRANSFER;
    uint64_t start = boot_info.initrd_start, size = boot_info.initrd_end - boot_info.initrd_start;
    struct kx_boot_handle initrd = { .base = start, .size = size, .name = "initrd" };
    int err = 0;
    if (start & (PAGE_SIZE - 1)) {
        /* Mapped, it would not start at offset 0; boot loaders page-align it. */
        kprintf(KERN_WARNING "init: the initrd at 0x%lx is not page aligned: not given to init\n", start);
    } else {
        struct memobj *rd = memobj_borrow(start, size, KX_OBJ_MEMORY);
        if (rd)
            rd->flags |= MEMOBJ_INITRD;
        err = boot_handle(p, bi, rd ? &rd->obj : 0, pass | KX_RIGHT_READ, initrd);
    }
    struct kx_boot_handle si = { .name = "sysinfo" };
    if (!err)
        err = boot_handle(p, bi, sysinfo_object(), pass | KX_RIGHT_READ, si);
    /* The console UART, for the console server: the kernel itself only
     * writes its transmit register from now on (dev/pl011.c). */
    int uart = dt_stdout_node(&boot_fdt);
    int uart_irq = uart >= 0 ? dt_irq(&boot_fdt, uart, 0) : -1;
    if (!err && boot_info.uart_pa && uart_irq >= 0) {
        struct kx_boot_handle dev = { .base = boot_info.uart_pa, .size = PAGE_SIZE, .irq = (uint32_t)uart_irq,
                                      .device_id = KX_DEVICE_PL011 };
        ksnprintf(dev.name, sizeof(dev.name), "pl011@%lx", boot_info.uart_pa);
        struct memobj *m = memobj_borrow(boot_info.uart_pa, PAGE_SIZE, KX_OBJ_DEVICE);
        err = boot_handle(p, bi, m ? &m->obj : 0, pass | KX_RIGHT_READ | KX_RIGHT_WRITE, dev);
        struct irqobj *irq = err ? 0 : irqobj_create((unsigned)uart_irq, dt_irq_is_edge(&boot_fdt, uart, 0));
        ksnprintf(dev.name, sizeof(dev.name), "irq@%lx", boot_info.uart_pa);
        if (!err)
            err = boot_handle(p, bi, irq ? irqobj_kobject(irq) : 0, pass | KX_RIGHT_WRITE, dev);
    }
    for (unsigned i = 0; !err && virtio_mmio_slot(i); i++) {
        const struct virtio_slot *s = virtio_mmio_slot(i);
        if (!s->device_id || s->irq < 0)
            continue;
        struct kx_boot_handle dev = { .base = s->pa, .size = s->size, .irq = (uint32_t)s->irq,
                                      .device_id = s->device_id };
        ksnprintf(dev.name, sizeof(dev.name), "virtio-mmio@%lx", s->pa);
        struct memobj *m = memobj_borrow(s->pa, s->size, KX_OBJ_DEVICE);
        err = boot_handle(p, bi, m ? &m->obj : 0, pass | KX_RIGHT_READ | KX_RIGHT_WRITE, dev);
        if (err)
            break;
        struct irqobj *irq = irqobj_create((unsigned)s->irq, s->irq_edge);
        ksnprintf(dev.name, sizeof(dev.name), "irq@%lx", s->pa);
        err = boot_handle(p, bi, irq ? irqobj_kobject(irq) : 0, pass | KX_RIGHT_WRITE, dev);
    }
    return err;
}

/* Puts the boot info in a read-only page of init's address space; returns its address. */
static uint64_t map_bootinfo(struct process *p, const struct kx_bootinfo *bi)
{
    _Static_assert(sizeof(*bi) <= PAGE_SIZE, "boot info fits a page");
    uint64_t va = vmspace_find_free(p->vm, PAGE_SIZE);
    if (!va || vmspace_add_area(p->vm, va, PAGE_SIZE, VM_READ))
        return 0;
    void *page = vmspace_populate(p->vm, va);
    if (!page)
        return 0;
    memcpy(page, bi, sizeof(*bi));
    return va;
}

/* `target` (kenix.init=) is run by /init after it started the vfs, when
 * NULL is passed as target nothing is asked of /init. */
static int load_init(const char *path, const char *target, struct process **out)
{
    const void *data;
    size_t size;
    int err = initrd_find_program(path, &data, &size);
    if (err)
        return err;
    struct process *p;
    err = (int)process_create(0, path, &p);
    if (err)
        return err;
    static struct kx_bootinfo bi; /* only while init is being built */
    memset(&bi, 0, sizeof(bi));
    bi.magic = KX_BOOTINFO_MAGIC;
    err = give_boot_handles(p, &bi);
    uint64_t bi_va = err ? 0 : map_bootinfo(p, &bi);
    if (!err && !bi_va)
        err = -ENOMEM;
    enum { MAX_ARGS = 64 };
    static char args[2048];
    const char *argv[MAX_ARGS + 2] = { path };
    argv[1 + cmdline_init_args(args, sizeof(args), argv + 1, MAX_ARGS)] = 0;
    static char target_env[160];
    ksnprintf(target_env, sizeof(target_env), "KENIX_INIT=%s", target ? target : "");
    const char *envp[] = { "HOME=/", "PATH=/bin:/sbin", "TERM=vt100", target ? target_env : 0, 0 };
    const struct ustack_aux extra[] = { { AT_KENIX_BOOTINFO, bi_va } };
    const struct program_source src = { .kind = PROGRAM_KERNEL, .kernel = data, .size = size };
    if (!err)
        err = process_load(p, path, &src, argv, envp, extra, 1);
    if (err) {
        process_discard(p);
        return err;
    }
    *out = p;
    return 0;
}

/* Whether the initrd has a regular executable file at path. */
static bool initrd_has(const char *path)
{
    const void *data;
    size_t size;
    return initrd_find_program(path, &data, &size) == 0;
}

/*
 * kenix.init=PATH runs PATH as process 1. With a file system to run it from
 * (/init and /sbin/vfs in the initrd), /init starts the vfs and then execs
 * PATH (KENIX_INIT in its environment), so PATH finds its files; otherwise
 * the kernel loads PATH from the initrd itself.
 */
bool start_init(void)
{
    char path[128] = INIT_DEFAULT;
    if (cmdline_has("kenix.init") && !cmdline_value("kenix.init", path, sizeof(path))) {
        kprintf(KERN_ERR "init: kenix.init= needs a path of at most %u bytes\n", (unsigned)sizeof(path) - 1);
        return false;
    }
    if (!boot_info.initrd_start) {
        kprintf(KERN_WARNING "init: no initrd, nothing to run\n");
        return false;
    }
    const char *target = 0;
    static char requested[128];
    if (strcmp(path, INIT_DEFAULT) && initrd_has(INIT_DEFAULT) && initrd_has("/sbin/vfs")) {
        memcpy(requested, path, sizeof(requested));
        target = requested;
        memcpy(path, INIT_DEFAULT, sizeof(INIT_DEFAULT));
    }
    struct process *p;
    int err = load_init(path, target, &p);
    if (err == -ENOENT) {
        kprintf(KERN_ERR "init: %s is not in the initrd\n", path);
        return false;
    }
    if (err) {
        kprintf(KERN_ERR "init: cannot start %s: error %d\n", path, err);
        return false;
    }
    process_start(p);
    kprintf("init: started %s as process %u\n", path, p->pid);
    return true;
}
