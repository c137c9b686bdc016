#include "init.h"

#include "kenix/bootinfo.h"
#include "kenix/cmdline.h"
#include "kenix/errno.h"
#include "kenix/printk.h"
#include "process.h"

#define INIT_DEFAULT "/init"

bool start_init(void)
{
    char path[128] = INIT_DEFAULT;
    if (cmdline_has("kenix.init") && !cmdline_value("kenix.init", path, sizeof(path))) {
        kprintf("init: kenix.init= needs a path of at most %u bytes\n", (unsigned)sizeof(path) - 1);
        return false;
    }
    if (!boot_info.initrd_start) {
        kprintf("init: no initrd, nothing to run\n");
        return false;
    }
    const char *argv[] = { path, 0 };
    const char *envp[] = { "HOME=/", "PATH=/bin:/sbin", "TERM=vt100", 0 };
    struct process *p;
    int err = process_spawn_initrd(path, argv, envp, &p);
    if (err == -ENOENT) {
        kprintf("init: %s is not in the initrd\n", path);
        return false;
    }
    if (err) {
        kprintf("init: cannot start %s: error %d\n", path, err);
        return false;
    }
    kprintf("init: started %s as process %u\n", path, p->pid);
    return true;
}
