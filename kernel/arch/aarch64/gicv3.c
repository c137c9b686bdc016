/* GICv3: distributor, per-CPU redistributors and the system-register CPU interface. */
#include "gic.h"

#include "kenix/printk.h"
#include "mmu.h"

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR 0x0c00
#define GICD_IROUTER 0x6000
#define CTLR_ENABLE_GRP1 (1u << 1)
#define CTLR_ARE (1u << 4)
#define CTLR_RWP (1u << 31)

#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_SGI_BASE 0x10000 /* SGI/PPI registers live in the second 64 KiB frame */
#define GICR_IGROUPR0 0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_ICENABLER0 0x0180
#define GICR_IPRIORITYR 0x0400
#define GICR_ICFGR1 0x0c04
#define WAKER_PROCESSOR_SLEEP (1u << 1)
#define WAKER_CHILDREN_ASLEEP (1u << 2)
#define TYPER_VLPIS (1u << 1)
#define TYPER_LAST (1u << 4)

static uintptr_t dist, redist;
static unsigned nlines;
static uint64_t boot_affinity; /* IROUTER value routing SPIs to the boot CPU */

static inline volatile uint32_t *reg(uintptr_t base, unsigned off)
{
    return (volatile uint32_t *)(base + off);
}

static void wait_rwp(void)
{
    for (unsigned spins = 0; (*reg(dist, GICD_CTLR) & CTLR_RWP) && spins < 1000000; spins++)
        ;
}

static void set_priority(uintptr_t base, unsigned intid)
{
    volatile uint32_t *r = reg(base, GICD_IPRIORITYR + (intid & ~3u));
    unsigned shift = (intid & 3) * 8;
    *r = (*r & ~(0xffu << shift)) | ((uint32_t)GIC_DEFAULT_PRIORITY << shift);
}

static void set_edge(volatile uint32_t *cfg, unsigned intid, bool edge)
{
    unsigned shift = (intid % 16) * 2 + 1;
    *cfg = edge ? (*cfg | (1u << shift)) : (*cfg & ~(1u << shift));
}

static void v3_enable(unsigned intid, bool edge)
{
    if (intid < 32) {
        uintptr_t sgi = redist + GICR_SGI_BASE;
        set_priority(sgi, intid);
        if (intid >= 16)
            set_edge(reg(sgi, GICR_ICFGR1), intid, edge);
        *reg(sgi, GICR_ISENABLER0) = 1u << intid;
        return;
    }
    if (intid >= nlines)
        return;
    set_priority(dist, intid);
    set_edge(reg(dist, GICD_ICFGR + (intid / 16) * 4), intid, edge);
    *(volatile uint64_t *)(dist + GICD_IROUTER + 8 * intid) = boot_affinity;
    *reg(dist, GICD_ISENABLER + (intid / 32) * 4) = 1u << (intid % 32);
}

static void v3_disable(unsigned intid)
{
    if (intid < 32)
        *reg(redist + GICR_SGI_BASE, GICR_ICENABLER0) = 1u << intid;
    else if (intid < nlines)
        *reg(dist, GICD_ICENABLER + (intid / 32) * 4) = 1u << (intid % 32);
    wait_rwp();
}

static unsigned v3_ack(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, S3_0_C12_C12_0" : "=r"(v)); /* ICC_IAR1_EL1 */
    __asm__ volatile("dsb sy" ::: "memory");
    return (unsigned)(v & 0xffffff);
}

static void v3_eoi(unsigned intid)
{
    __asm__ volatile("msr S3_0_C12_C12_1, %0" ::"r"((uint64_t)intid)); /* ICC_EOIR1_EL1 */
    isb();
}

static const struct gic_ops v3_ops = {
    .name = "GICv3", .enable = v3_enable, .disable = v3_disable, .ack = v3_ack, .eoi = v3_eoi,
};

/* Finds this CPU's redistributor by matching GICR_TYPER's affinity with MPIDR. */
static uintptr_t find_redistributor(uintptr_t base, uint64_t size)
{
    uint64_t mpidr = read_sysreg(mpidr_el1);
    uint32_t aff = (uint32_t)(((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff));
    for (uint64_t off = 0; off + 0x20000 <= size;) {
        uint64_t typer = *(volatile uint64_t *)(base + off + GICR_TYPER);
        if ((uint32_t)(typer >> 32) == aff)
            return base + off;
        if (typer & TYPER_LAST)
            break;
        off += (typer & TYPER_VLPIS) ? 0x40000 : 0x20000;
    }
    return 0;
}

int gicv3_init(const struct fdt *fdt, int node, const struct gic_ops **ops)
{
    uint64_t dpa, dsize, rpa, rsize;
    if (fdt_read_reg(fdt, node, 0, &dpa, &dsize) || fdt_read_reg(fdt, node, 1, &rpa, &rsize)) {
        kprintf(KERN_ERR "gic: GICv3 node without distributor and redistributor registers\n");
        return -1;
    }
    dist = (uintptr_t)mmio_map(dpa, 0x10000);
    uintptr_t rbase = (uintptr_t)mmio_map(rpa, rsize);
    if (!dist || !rbase)
        return -1;
    redist = find_redistributor(rbase, rsize);
    if (!redist) {
        kprintf(KERN_ERR "gic: GICv3 has no redistributor for this CPU\n");
        return -1;
    }
    nlines = 32 * ((*reg(dist, GICD_TYPER) & 0x1f) + 1);
    if (nlines > 1020)
        nlines = 1020;
    uint64_t mpidr = read_sysreg(mpidr_el1);
    boot_affinity = mpidr & 0xff00ffffffull;

    /* Distributor: affinity routing, all SPIs in group 1 and masked. */
    *reg(dist, GICD_CTLR) = 0;
    wait_rwp();
    for (unsigned i = 32; i < nlines; i += 32) {
        *reg(dist, GICD_IGROUPR + i / 8) = 0xffffffff;
        *reg(dist, GICD_ICENABLER + i / 8) = 0xffffffff;
    }
    wait_rwp();
    *reg(dist, GICD_CTLR) = CTLR_ARE | CTLR_ENABLE_GRP1;
    wait_rwp();

    /* Redistributor: wake it, SGIs/PPIs in group 1 and masked. */
    *reg(redist, GICR_WAKER) &= ~WAKER_PROCESSOR_SLEEP;
    for (unsigned spins = 0; (*reg(redist, GICR_WAKER) & WAKER_CHILDREN_ASLEEP) && spins < 1000000; spins++)
        ;
    *reg(redist + GICR_SGI_BASE, GICR_IGROUPR0) = 0xffffffff;
    *reg(redist + GICR_SGI_BASE, GICR_ICENABLER0) = 0xffffffff;

    /* CPU interface through system registers. */
    uint64_t sre;
    __asm__ volatile("mrs %0, S3_0_C12_C12_5" : "=r"(sre)); /* ICC_SRE_EL1 */
    __asm__ volatile("msr S3_0_C12_C12_5, %0" ::"r"(sre | 1));
    isb();
    __asm__ volatile("msr S3_0_C4_C6_0, %0" ::"r"((uint64_t)GIC_PMR_ALL)); /* ICC_PMR_EL1 */
    __asm__ volatile("msr S3_0_C12_C12_3, xzr");                           /* ICC_BPR1_EL1 */
    __asm__ volatile("msr S3_0_C12_C12_4, xzr");                           /* ICC_CTLR_EL1: EOImode 0 */
    __asm__ volatile("msr S3_0_C12_C12_7, %0" ::"r"((uint64_t)1));         /* ICC_IGRPEN1_EL1 */
    isb();

    kprintf("gic: GICv3 distributor 0x%lx redistributor 0x%lx, %u interrupt lines\n", dpa,
            rpa + (redist - rbase), nlines);
    *ops = &v3_ops;
    return 0;
}
