/* GICv2: distributor and memory-mapped CPU interface. */
#include "gic.h"

#include "kenix/printk.h"
#include "mmu.h"

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xc00
#define GICC_CTLR 0x000
#define GICC_PMR 0x004
#define GICC_BPR 0x008
#define GICC_IAR 0x00c
#define GICC_EOIR 0x010

static uintptr_t dist, cpu;
static unsigned nlines;

static inline volatile uint32_t *reg(uintptr_t base, unsigned off)
{
    return (volatile uint32_t *)(base + off);
}

/* Sets the byte field of interrupt `intid` in a byte-per-interrupt register bank. */
static void set_byte_field(unsigned bank, unsigned intid, uint8_t value)
{
    volatile uint32_t *r = reg(dist, bank + (intid & ~3u));
    unsigned shift = (intid & 3) * 8;
    *r = (*r & ~(0xffu << shift)) | ((uint32_t)value << shift);
}

static void v2_enable(unsigned intid, bool edge)
{
    if (intid >= nlines)
        return;
    set_byte_field(GICD_IPRIORITYR, intid, GIC_DEFAULT_PRIORITY);
    if (intid >= 32) {
        set_byte_field(GICD_ITARGETSR, intid, 0x01); /* the boot CPU */
        volatile uint32_t *cfg = reg(dist, GICD_ICFGR + (intid / 16) * 4);
        unsigned shift = (intid % 16) * 2 + 1;
        *cfg = edge ? (*cfg | (1u << shift)) : (*cfg & ~(1u << shift));
    }
    *reg(dist, GICD_ISENABLER + (intid / 32) * 4) = 1u << (intid % 32);
}

static void v2_disable(unsigned intid)
{
    if (intid < nlines)
        *reg(dist, GICD_ICENABLER + (intid / 32) * 4) = 1u << (intid % 32);
}

static unsigned v2_ack(void)
{
    return *reg(cpu, GICC_IAR) & 0x3ff;
}

static void v2_eoi(unsigned intid)
{
    *reg(cpu, GICC_EOIR) = intid;
}

static const struct gic_ops v2_ops = {
    .name = "GICv2", .enable = v2_enable, .disable = v2_disable, .ack = v2_ack, .eoi = v2_eoi,
};

int gicv2_init(const struct fdt *fdt, int node, const struct gic_ops **ops)
{
    uint64_t dpa, dsize, cpa, csize;
    if (fdt_read_reg(fdt, node, 0, &dpa, &dsize) || fdt_read_reg(fdt, node, 1, &cpa, &csize)) {
        kprintf(KERN_ERR "gic: GICv2 node without distributor and CPU interface registers\n");
        return -1;
    }
    dist = (uintptr_t)mmio_map(dpa, 0x1000);
    cpu = (uintptr_t)mmio_map(cpa, 0x2000);
    if (!dist || !cpu)
        return -1;
    nlines = 32 * ((*reg(dist, GICD_TYPER) & 0x1f) + 1);
    if (nlines > 1020)
        nlines = 1020;

    *reg(dist, GICD_CTLR) = 0;
    for (unsigned i = 0; i < nlines; i += 32)
        *reg(dist, GICD_ICENABLER + i / 8) = 0xffffffff; /* start with everything masked */
    *reg(dist, GICD_CTLR) = 1;
    *reg(cpu, GICC_PMR) = GIC_PMR_ALL;
    *reg(cpu, GICC_BPR) = 0;
    *reg(cpu, GICC_CTLR) = 1;

    kprintf("gic: GICv2 distributor 0x%lx cpu-interface 0x%lx, %u interrupt lines\n", dpa, cpa, nlines);
    *ops = &v2_ops;
    return 0;
}
