#include "psci.h"

#include "kenix/printk.h"
#include "kenix/string.h"

#define PSCI_VERSION 0x84000000u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u

enum conduit { CONDUIT_NONE, CONDUIT_HVC, CONDUIT_SMC };
static enum conduit conduit;

static uint64_t psci_call(uint64_t fn)
{
    register uint64_t x0 __asm__("x0") = fn;
    if (conduit == CONDUIT_HVC)
        __asm__ volatile("hvc #0" : "+r"(x0)::"x1", "x2", "x3", "memory");
    else if (conduit == CONDUIT_SMC)
        __asm__ volatile("smc #0" : "+r"(x0)::"x1", "x2", "x3", "memory");
    return x0;
}

void psci_init(const struct fdt *fdt)
{
    int node = fdt_path_offset(fdt, "/psci");
    const char *method = node >= 0 ? fdt_prop_string(fdt, node, "method") : 0;
    if (method && !strcmp(method, "hvc"))
        conduit = CONDUIT_HVC;
    else if (method && !strcmp(method, "smc"))
        conduit = CONDUIT_SMC;
    if (conduit == CONDUIT_NONE) {
        kprintf(KERN_WARNING "psci: none (power off unavailable)\n");
        return;
    }
    if (!fdt_node_is_compatible(fdt, node, "arm,psci-0.2") && !fdt_node_is_compatible(fdt, node, "arm,psci-1.0")) {
        kprintf("psci: version 0.1 via %s\n", method); /* no PSCI_VERSION call before 0.2 */
        return;
    }
    uint32_t v = (uint32_t)psci_call(PSCI_VERSION);
    kprintf("psci: version %u.%u via %s\n", v >> 16, v & 0xffff, method);
}

void psci_system_off(void)
{
    if (conduit != CONDUIT_NONE)
        psci_call(PSCI_SYSTEM_OFF);
}

void psci_system_reset(void)
{
    if (conduit != CONDUIT_NONE)
        psci_call(PSCI_SYSTEM_RESET);
}
