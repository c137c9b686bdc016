#include "kenix/devtree.h"

#include "kenix/string.h"

struct fdt boot_fdt;

int dt_stdout_node(const struct fdt *fdt)
{
    int chosen = fdt_path_offset(fdt, "/chosen");
    const char *path = chosen >= 0 ? fdt_prop_string(fdt, chosen, "stdout-path") : 0;
    if (path) {
        /* "serial0:115200n8" or "/pl011@9000000": options follow a ':'. */
        char name[128];
        size_t n = 0;
        while (path[n] && path[n] != ':' && n < sizeof(name) - 1) {
            name[n] = path[n];
            n++;
        }
        name[n] = '\0';
        const char *full = name;
        if (name[0] != '/') {
            int aliases = fdt_path_offset(fdt, "/aliases");
            full = aliases >= 0 ? fdt_prop_string(fdt, aliases, name) : 0;
        }
        int node = full ? fdt_path_offset(fdt, full) : -1;
        if (node >= 0 && fdt_node_is_compatible(fdt, node, "arm,pl011"))
            return node;
    }
    for (int node = fdt_find_compatible(fdt, -1, "arm,pl011"); node >= 0;
         node = fdt_find_compatible(fdt, node, "arm,pl011"))
        if (fdt_node_is_enabled(fdt, node))
            return node;
    return FDT_ERR_NOTFOUND;
}

int dt_irq(const struct fdt *fdt, int node, unsigned index)
{
    /* The GIC binding: <type number flags>, type 0 = SPI, 1 = PPI. */
    uint32_t len;
    const uint8_t *p = fdt_getprop(fdt, node, "interrupts", &len);
    if (!p || (index + 1) * 12 > len)
        return -1;
    uint32_t type = fdt_be32(p + index * 12);
    uint32_t num = fdt_be32(p + index * 12 + 4);
    if (type == 0 && num < 988)
        return (int)(32 + num);
    if (type == 1 && num < 16)
        return (int)(16 + num);
    return -1;
}

bool dt_irq_is_edge(const struct fdt *fdt, int node, unsigned index)
{
    /* Flags cell: 1 = edge rising, 2 = edge falling, 4/8 = level high/low. */
    uint32_t len;
    const uint8_t *p = fdt_getprop(fdt, node, "interrupts", &len);
    return p && (index + 1) * 12 <= len && (fdt_be32(p + index * 12 + 8) & 3) != 0;
}
