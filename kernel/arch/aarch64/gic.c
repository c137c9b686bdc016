#include "gic.h"

#include "kenix/printk.h"

const struct gic_ops *gic;

int gic_init(const struct fdt *fdt)
{
    int node = fdt_find_compatible(fdt, -1, "arm,gic-v3");
    if (node >= 0)
        return gicv3_init(fdt, node, &gic);
    static const char *const v2_compatibles[] = { "arm,gic-400", "arm,cortex-a15-gic", "arm,cortex-a9-gic" };
    for (unsigned i = 0; i < sizeof(v2_compatibles) / sizeof(v2_compatibles[0]); i++) {
        node = fdt_find_compatible(fdt, -1, v2_compatibles[i]);
        if (node >= 0)
            return gicv2_init(fdt, node, &gic);
    }
    kprintf(KERN_ERR "gic: none found in the device tree\n");
    return -1;
}
