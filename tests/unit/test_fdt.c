/*
 * Host tests of the FDT parser (kernel/lib/fdt.c).
 *
 * Blobs are built with the test DTB writer. Every blob handed to fdt_init()
 * sits in a heap buffer of exactly the size passed as max_size, so that ASan
 * reports any read past what the parser was told it may read.
 */
#include <stdlib.h>
#include <string.h>

#include "dtb_writer.h"
#include "lib/fdt.h"
#include "test.h"

static struct dtbw writer; /* large; keep it off the stack */

static uint64_t sink; /* keeps reads of property bytes from being optimised out */

static void touch(const void *p, uint32_t len)
{
    const uint8_t *b = p;
    for (uint32_t i = 0; i < len; i++)
        sink += b[i];
}

/* A copy of blob in a heap buffer of exactly len bytes. */
static uint8_t *exact_copy(const uint8_t *blob, size_t len)
{
    uint8_t *p = malloc(len != 0 ? len : 1);
    if (p == NULL)
        abort();
    if (len != 0)
        memcpy(p, blob, len);
    return p;
}

static int init_exact(const uint8_t *blob, size_t len)
{
    uint8_t *copy = exact_copy(blob, len);
    struct fdt f;
    int err = fdt_init(&f, copy, len);
    free(copy);
    return err;
}

static size_t finish(struct dtbw *w, uint8_t *out, size_t cap)
{
    size_t n = dtbw_blob(w, NULL, out, cap);
    if (n == 0)
        abort();
    return n;
}

/* ---- the virt-like tree ------------------------------------------------- */

#define VIRT_NVIRTIO 8
#define PH_CLK 0x8000u
#define PH_GIC 0x8002u

static void reg2(struct dtbw *w, uint64_t addr, uint64_t size)
{
    uint32_t c[4] = {(uint32_t)(addr >> 32), (uint32_t)addr, (uint32_t)(size >> 32), (uint32_t)size};
    dtbw_prop_cells(w, "reg", 4, c);
}

static void build_virt(struct dtbw *w)
{
    dtbw_init(w);
    dtbw_rsv(w, 0x48000000, 0x100000);
    dtbw_rsv(w, 0x0, 0x1000);

    dtbw_begin(w, "");
    dtbw_prop_u32(w, "interrupt-parent", PH_GIC);
    dtbw_prop_str(w, "model", "linux,dummy-virt");
    dtbw_prop_u32(w, "#size-cells", 2);
    dtbw_prop_u32(w, "#address-cells", 2);
    dtbw_prop_str(w, "compatible", "linux,dummy-virt");

    dtbw_begin(w, "psci");
    dtbw_prop(w, "compatible", "arm,psci-1.0\0arm,psci-0.2\0arm,psci", 35);
    dtbw_prop_str(w, "method", "hvc");
    dtbw_end(w);

    dtbw_begin(w, "memory@40000000");
    reg2(w, 0x40000000, 0x8000000);
    dtbw_prop_str(w, "device_type", "memory");
    dtbw_end(w);

    for (unsigned i = 0; i < VIRT_NVIRTIO; i++) {
        char name[32];
        uint64_t base = 0xa000000 + 0x200u * i;
        snprintf(name, sizeof(name), "virtio_mmio@%llx", (unsigned long long)base);
        dtbw_begin(w, name);
        dtbw_prop(w, "dma-coherent", NULL, 0);
        uint32_t irq[3] = {0, 0x10 + i, 1};
        dtbw_prop_cells(w, "interrupts", 3, irq);
        reg2(w, base, 0x200);
        dtbw_prop_str(w, "compatible", "virtio,mmio");
        dtbw_end(w);
    }

    dtbw_begin(w, "intc@8000000");
    dtbw_prop_u32(w, "phandle", PH_GIC);
    uint32_t gicreg[8] = {0, 0x8000000, 0, 0x10000, 0, 0x8010000, 0, 0x10000};
    dtbw_prop_cells(w, "reg", 8, gicreg);
    dtbw_prop_str(w, "compatible", "arm,cortex-a15-gic");
    dtbw_prop(w, "ranges", NULL, 0);
    dtbw_prop_u32(w, "#size-cells", 2);
    dtbw_prop_u32(w, "#address-cells", 2);
    dtbw_prop(w, "interrupt-controller", NULL, 0);
    dtbw_prop_u32(w, "#interrupt-cells", 3);
    dtbw_begin(w, "v2m@8020000");
    dtbw_prop_u32(w, "phandle", 0x8003);
    reg2(w, 0x8020000, 0x1000);
    dtbw_prop(w, "msi-controller", NULL, 0);
    dtbw_prop_str(w, "compatible", "arm,gic-v2m-frame");
    dtbw_end(w);
    dtbw_end(w);

    dtbw_begin(w, "pl011@9000000");
    dtbw_prop(w, "clock-names", "uartclk\0apb_pclk", 17);
    uint32_t clocks[2] = {PH_CLK, PH_CLK};
    dtbw_prop_cells(w, "clocks", 2, clocks);
    uint32_t uirq[3] = {0, 1, 4};
    dtbw_prop_cells(w, "interrupts", 3, uirq);
    reg2(w, 0x9000000, 0x1000);
    dtbw_prop(w, "compatible", "arm,pl011\0arm,primecell", 24);
    dtbw_end(w);

    dtbw_begin(w, "cpus");
    dtbw_prop_u32(w, "#size-cells", 0);
    dtbw_prop_u32(w, "#address-cells", 1);
    for (unsigned i = 0; i < 2; i++) {
        char name[16];
        snprintf(name, sizeof(name), "cpu@%u", i);
        dtbw_begin(w, name);
        dtbw_prop_u32(w, "reg", i);
        dtbw_prop_str(w, "compatible", "arm,cortex-a72");
        dtbw_prop_str(w, "device_type", "cpu");
        dtbw_end(w);
    }
    dtbw_end(w);

    dtbw_begin(w, "timer");
    uint32_t tirq[12] = {1, 13, 0xf04, 1, 14, 0xf04, 1, 11, 0xf04, 1, 10, 0xf04};
    dtbw_prop_cells(w, "interrupts", 12, tirq);
    dtbw_prop(w, "always-on", NULL, 0);
    dtbw_prop(w, "compatible", "arm,armv8-timer\0arm,armv7-timer", 32);
    dtbw_end(w);

    dtbw_begin(w, "apb-pclk");
    dtbw_prop_u32(w, "phandle", PH_CLK);
    dtbw_prop_str(w, "clock-output-names", "clk24mhz");
    dtbw_prop_u32(w, "clock-frequency", 24000000);
    dtbw_prop_u32(w, "#clock-cells", 0);
    dtbw_prop_str(w, "compatible", "fixed-clock");
    dtbw_end(w);

    dtbw_begin(w, "chosen");
    dtbw_prop_u32(w, "linux,initrd-end", 0x48100000);
    dtbw_prop_u64(w, "linux,initrd-start", 0x48000000);
    dtbw_prop_str(w, "bootargs", "console=ttyAMA0 init=/sbin/init");
    dtbw_prop_str(w, "stdout-path", "/pl011@9000000");
    dtbw_prop(w, "raw", "abcd", 4);
    dtbw_end(w);

    dtbw_begin(w, "aliases");
    dtbw_prop_str(w, "serial0", "/pl011@9000000");
    dtbw_prop_str(w, "gic", "/intc@8000000");
    dtbw_prop_str(w, "broken", "intc@8000000");
    dtbw_end(w);

    /* a 1/1-cell bus, a bus with unusable cells, and odd status values */
    dtbw_begin(w, "soc");
    dtbw_prop_u32(w, "#address-cells", 1);
    dtbw_prop_u32(w, "#size-cells", 1);
    dtbw_begin(w, "uart@1000");
    uint32_t ureg[4] = {0x1000, 0x100, 0x2000, 0x80};
    dtbw_prop_cells(w, "reg", 4, ureg);
    dtbw_prop_str(w, "status", "okay");
    dtbw_end(w);
    dtbw_begin(w, "short@0");
    uint32_t sreg[3] = {0x1, 0x2, 0x3};
    dtbw_prop_cells(w, "reg", 3, sreg);
    dtbw_prop_str(w, "status", "disabled");
    dtbw_end(w);
    dtbw_begin(w, "oldok");
    dtbw_prop_str(w, "status", "ok");
    dtbw_end(w);
    dtbw_end(w);

    dtbw_begin(w, "badbus");
    dtbw_prop_u32(w, "#address-cells", 3);
    dtbw_begin(w, "dev@0");
    uint32_t breg[4] = {0, 0, 0, 0};
    dtbw_prop_cells(w, "reg", 4, breg);
    dtbw_end(w);
    dtbw_end(w);

    dtbw_begin(w, "nocells");
    dtbw_begin(w, "dev@100");
    uint32_t dreg[3] = {0, 0x100, 0x10};
    dtbw_prop_cells(w, "reg", 3, dreg);
    dtbw_end(w);
    dtbw_end(w);

    dtbw_end(w); /* root */
    dtbw_finish_tree(w);
}

/* Root children, in order, and the total node count of build_virt(). */
static const char *const virt_root_children[] = {
    "psci", "memory@40000000", "virtio_mmio@a000000", "virtio_mmio@a000200",
    "virtio_mmio@a000400", "virtio_mmio@a000600", "virtio_mmio@a000800",
    "virtio_mmio@a000a00", "virtio_mmio@a000c00", "virtio_mmio@a000e00",
    "intc@8000000", "pl011@9000000", "cpus", "timer", "apb-pclk", "chosen",
    "aliases", "soc", "badbus", "nocells",
};
#define VIRT_NODES (1 + 20 + 1 /* v2m */ + 2 /* cpus */ + 3 /* soc */ + 1 + 1)

static uint8_t virt_blob[65536];
static size_t virt_size;
static uint8_t *virt_heap; /* exact-size copy used by the lookup tests */
static struct fdt vf;

static void setup_virt(void)
{
    build_virt(&writer);
    virt_size = finish(&writer, virt_blob, sizeof(virt_blob));
    virt_heap = exact_copy(virt_blob, virt_size);
}

/* ---- well-formed trees -------------------------------------------------- */

static void test_virt_init(void)
{
    CHECK_EQ(fdt_init(&vf, virt_heap, virt_size), 0);
    CHECK_EQ(vf.totalsize, virt_size);
    CHECK_EQ(vf.num_rsv, 2);
    CHECK_EQ(vf.off_rsvmap, 40);
    /* a buffer larger than totalsize is fine */
    uint8_t *big = malloc(virt_size + 100);
    memcpy(big, virt_blob, virt_size);
    struct fdt f2;
    CHECK_EQ(fdt_init(&f2, big, virt_size + 100), 0);
    CHECK_EQ(f2.totalsize, virt_size);
    free(big);
}

static void test_rsvmap(void)
{
    uint64_t a = 1, s = 1;
    CHECK_EQ(fdt_get_rsv(&vf, 0, &a, &s), 0);
    CHECK_EQ(a, 0x48000000);
    CHECK_EQ(s, 0x100000);
    CHECK_EQ(fdt_get_rsv(&vf, 1, &a, &s), 0);
    CHECK_EQ(a, 0);
    CHECK_EQ(s, 0x1000);
    CHECK_EQ(fdt_get_rsv(&vf, 2, &a, &s), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_get_rsv(&vf, UINT32_MAX, NULL, NULL), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_get_rsv(&vf, 0, NULL, NULL), 0);
}

static void test_root_and_children(void)
{
    int root = fdt_root(&vf);
    CHECK_EQ(root, 0);
    CHECK_STR(fdt_node_name(&vf, root), "");
    CHECK_EQ(fdt_parent(&vf, root), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_next_sibling(&vf, root), FDT_ERR_NOTFOUND);

    size_t n = 0;
    for (int c = fdt_first_child(&vf, root); c >= 0; c = fdt_next_sibling(&vf, c)) {
        if (n < sizeof(virt_root_children) / sizeof(virt_root_children[0]))
            CHECK_STR(fdt_node_name(&vf, c), virt_root_children[n]);
        CHECK_EQ(fdt_parent(&vf, c), root);
        n++;
    }
    CHECK_EQ(n, sizeof(virt_root_children) / sizeof(virt_root_children[0]));

    int psci = fdt_path_offset(&vf, "/psci");
    CHECK_EQ(fdt_first_child(&vf, psci), FDT_ERR_NOTFOUND);
    int cpus = fdt_path_offset(&vf, "/cpus");
    int cpu0 = fdt_first_child(&vf, cpus);
    CHECK_STR(fdt_node_name(&vf, cpu0), "cpu@0");
    int cpu1 = fdt_next_sibling(&vf, cpu0);
    CHECK_STR(fdt_node_name(&vf, cpu1), "cpu@1");
    CHECK_EQ(fdt_next_sibling(&vf, cpu1), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_parent(&vf, cpu1), cpus);
    int v2m = fdt_path_offset(&vf, "/intc/v2m");
    CHECK_EQ(fdt_parent(&vf, v2m), fdt_path_offset(&vf, "/intc@8000000"));
}

/* Checks fdt_parent() against the parent found by walking down. */
static int check_parents_below(int node, int depth)
{
    int count = 1;
    for (int c = fdt_first_child(&vf, node); c >= 0; c = fdt_next_sibling(&vf, c)) {
        CHECK_EQ(fdt_parent(&vf, c), node);
        if (depth < 8)
            count += check_parents_below(c, depth + 1);
    }
    return count;
}

static void test_next_node(void)
{
    int count = 0, prev = -1;
    for (int n = fdt_next_node(&vf, -1); n >= 0; n = fdt_next_node(&vf, n)) {
        CHECK(n > prev);
        CHECK(fdt_node_name(&vf, n) != NULL);
        prev = n;
        count++;
    }
    CHECK_EQ(count, VIRT_NODES);
    CHECK_EQ(check_parents_below(fdt_root(&vf), 0), VIRT_NODES);
    /* pre-order: psci follows the root, v2m follows intc */
    CHECK_EQ(fdt_next_node(&vf, 0), fdt_path_offset(&vf, "/psci"));
    CHECK_EQ(fdt_next_node(&vf, fdt_path_offset(&vf, "/intc")),
             fdt_path_offset(&vf, "/intc/v2m"));
}

static void test_path_offset(void)
{
    CHECK_EQ(fdt_path_offset(&vf, "/"), 0);
    CHECK_EQ(fdt_path_offset(&vf, "//"), 0);
    int mem = fdt_path_offset(&vf, "/memory");
    CHECK(mem > 0);
    CHECK_STR(fdt_node_name(&vf, mem), "memory@40000000");
    CHECK_EQ(fdt_path_offset(&vf, "/memory@40000000"), mem);
    CHECK_EQ(fdt_path_offset(&vf, "/memory@0"), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_path_offset(&vf, "/memory@4000000"), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_path_offset(&vf, "/memor"), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_path_offset(&vf, "/memoryx"), FDT_ERR_NOTFOUND);
    int chosen = fdt_path_offset(&vf, "/chosen");
    CHECK_STR(fdt_node_name(&vf, chosen), "chosen");
    CHECK_EQ(fdt_path_offset(&vf, "/chosen/"), chosen);
    CHECK_EQ(fdt_path_offset(&vf, "//chosen//"), chosen);
    CHECK_STR(fdt_node_name(&vf, fdt_path_offset(&vf, "/cpus/cpu@1")), "cpu@1");
    CHECK_STR(fdt_node_name(&vf, fdt_path_offset(&vf, "/cpus/cpu")), "cpu@0");
    CHECK_STR(fdt_node_name(&vf, fdt_path_offset(&vf, "/virtio_mmio")), "virtio_mmio@a000000");
    CHECK_STR(fdt_node_name(&vf, fdt_path_offset(&vf, "/virtio_mmio@a000e00")),
              "virtio_mmio@a000e00");
    CHECK_STR(fdt_node_name(&vf, fdt_path_offset(&vf, "/intc@8000000/v2m@8020000")),
              "v2m@8020000");
    CHECK_EQ(fdt_path_offset(&vf, "/nonexistent"), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_path_offset(&vf, "/chosen/nothing"), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_path_offset(&vf, "/psci/x/y"), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_path_offset(&vf, ""), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_path_offset(&vf, NULL), FDT_ERR_NOTFOUND);
    /* aliases */
    CHECK_EQ(fdt_path_offset(&vf, "serial0"), fdt_path_offset(&vf, "/pl011@9000000"));
    CHECK_EQ(fdt_path_offset(&vf, "gic/v2m"), fdt_path_offset(&vf, "/intc/v2m"));
    CHECK_EQ(fdt_path_offset(&vf, "serial0/x"), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_path_offset(&vf, "serial"), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_path_offset(&vf, "broken"), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_path_offset(&vf, "nosuch"), FDT_ERR_NOTFOUND);
}

static void test_properties(void)
{
    int chosen = fdt_path_offset(&vf, "/chosen");
    CHECK_STR(fdt_prop_string(&vf, chosen, "bootargs"), "console=ttyAMA0 init=/sbin/init");
    CHECK_STR(fdt_prop_string(&vf, chosen, "stdout-path"), "/pl011@9000000");
    uint64_t v = 0;
    CHECK_EQ(fdt_prop_number(&vf, chosen, "linux,initrd-start", &v), 0);
    CHECK_EQ(v, 0x48000000);
    CHECK_EQ(fdt_prop_number(&vf, chosen, "linux,initrd-end", &v), 0);
    CHECK_EQ(v, 0x48100000);
    CHECK_EQ(fdt_prop_number(&vf, chosen, "bootargs", &v), FDT_ERR_BADCELLS);
    CHECK_EQ(fdt_prop_number(&vf, chosen, "nothing", &v), FDT_ERR_NOTFOUND);

    uint32_t len = 99;
    const uint8_t *p = fdt_getprop(&vf, chosen, "bootargs", &len);
    CHECK(p != NULL);
    CHECK_EQ(len, strlen("console=ttyAMA0 init=/sbin/init") + 1);
    len = 99;
    CHECK(fdt_getprop(&vf, chosen, "nothing", &len) == NULL);
    CHECK_EQ(len, 0);
    CHECK(fdt_getprop(&vf, chosen, "bootarg", NULL) == NULL);
    CHECK(fdt_getprop(&vf, chosen, "bootargsx", NULL) == NULL);
    /* a property of the child must not be found on the parent */
    CHECK(fdt_getprop(&vf, 0, "bootargs", NULL) == NULL);
    int intc = fdt_path_offset(&vf, "/intc");
    CHECK(fdt_getprop(&vf, intc, "msi-controller", NULL) == NULL);
    p = fdt_getprop(&vf, intc, "interrupt-controller", &len);
    CHECK(p != NULL);
    CHECK_EQ(len, 0);

    int timer = fdt_path_offset(&vf, "/timer");
    CHECK_EQ(fdt_prop_u32(&vf, timer, "interrupts", 0, 7), 1);
    CHECK_EQ(fdt_prop_u32(&vf, timer, "interrupts", 4, 7), 14);
    CHECK_EQ(fdt_prop_u32(&vf, timer, "interrupts", 11, 7), 0xf04);
    CHECK_EQ(fdt_prop_u32(&vf, timer, "interrupts", 12, 7), 7);
    CHECK_EQ(fdt_prop_u32(&vf, timer, "interrupts", UINT32_MAX, 7), 7);
    CHECK_EQ(fdt_prop_u32(&vf, timer, "nothing", 0, 7), 7);
    CHECK_EQ(fdt_prop_u32(&vf, timer, "always-on", 0, 7), 7);
    CHECK_EQ(fdt_prop_u32(&vf, 0, "#address-cells", 0, 7), 2);
    CHECK(fdt_prop_string(&vf, chosen, "raw") == NULL); /* no NUL in it */
    CHECK_EQ(fdt_prop_number(&vf, chosen, "raw", &v), 0);
    CHECK_EQ(v, 0x61626364);
    CHECK_STR(fdt_prop_string(&vf, timer, "compatible"), "arm,armv8-timer");
    CHECK(fdt_prop_string(&vf, timer, "always-on") == NULL);
}

static void test_compatible(void)
{
    int uart = fdt_find_compatible(&vf, -1, "arm,pl011");
    CHECK_STR(fdt_node_name(&vf, uart), "pl011@9000000");
    CHECK_EQ(fdt_find_compatible(&vf, -1, "arm,primecell"), uart);
    CHECK_EQ(fdt_find_compatible(&vf, uart, "arm,pl011"), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_find_compatible(&vf, -1, "arm,pl01"), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_find_compatible(&vf, -1, "arm,pl0111"), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_find_compatible(&vf, -1, "linux,dummy-virt"), 0);
    CHECK_EQ(fdt_find_compatible(&vf, 0, "linux,dummy-virt"), FDT_ERR_NOTFOUND);
    CHECK_STR(fdt_node_name(&vf, fdt_find_compatible(&vf, -1, "arm,cortex-a15-gic")), "intc@8000000");
    CHECK_STR(fdt_node_name(&vf, fdt_find_compatible(&vf, -1, "arm,armv8-timer")), "timer");
    CHECK_STR(fdt_node_name(&vf, fdt_find_compatible(&vf, -1, "arm,psci-0.2")), "psci");
    CHECK_STR(fdt_node_name(&vf, fdt_find_compatible(&vf, -1, "arm,gic-v2m-frame")), "v2m@8020000");

    int count = 0;
    uint64_t expect = 0xa000000;
    for (int n = fdt_find_compatible(&vf, -1, "virtio,mmio"); n >= 0;
         n = fdt_find_compatible(&vf, n, "virtio,mmio")) {
        uint64_t addr = 0, size = 0;
        CHECK_EQ(fdt_read_reg(&vf, n, 0, &addr, &size), 0);
        CHECK_EQ(addr, expect);
        CHECK_EQ(size, 0x200);
        CHECK_EQ(fdt_prop_u32(&vf, n, "interrupts", 1, 0), 0x10 + count);
        expect += 0x200;
        count++;
    }
    CHECK_EQ(count, VIRT_NVIRTIO);

    CHECK(fdt_node_is_compatible(&vf, uart, "arm,pl011"));
    CHECK(fdt_node_is_compatible(&vf, uart, "arm,primecell"));
    CHECK(!fdt_node_is_compatible(&vf, uart, "arm"));
    CHECK(!fdt_node_is_compatible(&vf, fdt_path_offset(&vf, "/chosen"), "arm,pl011"));
}

static void test_stringlist(void)
{
    static const char list[] = "abc\0de\0\0f"; /* 10 bytes incl. final NUL */
    CHECK(fdt_stringlist_contains(list, 10, "abc"));
    CHECK(fdt_stringlist_contains(list, 10, "de"));
    CHECK(fdt_stringlist_contains(list, 10, ""));
    CHECK(fdt_stringlist_contains(list, 10, "f"));
    CHECK(!fdt_stringlist_contains(list, 10, "ab"));
    CHECK(!fdt_stringlist_contains(list, 10, "abcd"));
    CHECK(!fdt_stringlist_contains(list, 9, "f")); /* unterminated tail */
    CHECK(!fdt_stringlist_contains(list, 3, "abc"));
    CHECK(fdt_stringlist_contains(list, 4, "abc"));
    CHECK(!fdt_stringlist_contains(list, 0, ""));
    CHECK(!fdt_stringlist_contains(NULL, 10, "abc"));
}

static void test_device_type_and_phandle(void)
{
    int mem = fdt_find_device_type(&vf, -1, "memory");
    CHECK_STR(fdt_node_name(&vf, mem), "memory@40000000");
    CHECK_EQ(fdt_find_device_type(&vf, mem, "memory"), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_find_device_type(&vf, -1, "memor"), FDT_ERR_NOTFOUND);
    int cpu0 = fdt_find_device_type(&vf, -1, "cpu");
    CHECK_STR(fdt_node_name(&vf, cpu0), "cpu@0");
    int cpu1 = fdt_find_device_type(&vf, cpu0, "cpu");
    CHECK_STR(fdt_node_name(&vf, cpu1), "cpu@1");
    CHECK_EQ(fdt_find_device_type(&vf, cpu1, "cpu"), FDT_ERR_NOTFOUND);

    CHECK_EQ(fdt_find_phandle(&vf, PH_GIC), fdt_path_offset(&vf, "/intc"));
    CHECK_EQ(fdt_find_phandle(&vf, PH_CLK), fdt_path_offset(&vf, "/apb-pclk"));
    CHECK_EQ(fdt_find_phandle(&vf, 0x8003), fdt_path_offset(&vf, "/intc/v2m"));
    CHECK_EQ(fdt_find_phandle(&vf, 0), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_find_phandle(&vf, UINT32_MAX), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_find_phandle(&vf, 12345), FDT_ERR_NOTFOUND);
    /* the root's interrupt-parent resolves to the GIC */
    CHECK_STR(fdt_node_name(&vf, fdt_find_phandle(&vf, fdt_prop_u32(&vf, 0, "interrupt-parent", 0, 0))),
              "intc@8000000");
}

static void test_enabled(void)
{
    CHECK(fdt_node_is_enabled(&vf, fdt_path_offset(&vf, "/chosen")));
    CHECK(fdt_node_is_enabled(&vf, fdt_path_offset(&vf, "/soc/uart")));
    CHECK(fdt_node_is_enabled(&vf, fdt_path_offset(&vf, "/soc/oldok")));
    CHECK(!fdt_node_is_enabled(&vf, fdt_path_offset(&vf, "/soc/short")));
    CHECK(!fdt_node_is_enabled(&vf, FDT_ERR_NOTFOUND));
    CHECK(!fdt_node_is_enabled(&vf, 1));
}

static void test_read_reg(void)
{
    uint64_t a = 0, s = 0;
    int mem = fdt_path_offset(&vf, "/memory");
    CHECK_EQ(fdt_read_reg(&vf, mem, 0, &a, &s), 0);
    CHECK_EQ(a, 0x40000000);
    CHECK_EQ(s, 0x8000000);
    CHECK_EQ(fdt_read_reg(&vf, mem, 1, &a, &s), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_read_reg(&vf, mem, 0, NULL, NULL), 0);

    int uart = fdt_path_offset(&vf, "/pl011");
    CHECK_EQ(fdt_read_reg(&vf, uart, 0, &a, &s), 0);
    CHECK_EQ(a, 0x9000000);
    CHECK_EQ(s, 0x1000);

    int gic = fdt_path_offset(&vf, "/intc");
    CHECK_EQ(fdt_read_reg(&vf, gic, 0, &a, &s), 0);
    CHECK_EQ(a, 0x8000000);
    CHECK_EQ(s, 0x10000);
    CHECK_EQ(fdt_read_reg(&vf, gic, 1, &a, &s), 0);
    CHECK_EQ(a, 0x8010000);
    CHECK_EQ(s, 0x10000);
    CHECK_EQ(fdt_read_reg(&vf, gic, 2, &a, &s), FDT_ERR_NOTFOUND);
    /* the v2m frame uses the GIC's own #address-cells/#size-cells */
    CHECK_EQ(fdt_read_reg(&vf, fdt_path_offset(&vf, "/intc/v2m"), 0, &a, &s), 0);
    CHECK_EQ(a, 0x8020000);
    CHECK_EQ(s, 0x1000);

    /* #size-cells = 0 */
    CHECK_EQ(fdt_read_reg(&vf, fdt_path_offset(&vf, "/cpus/cpu@1"), 0, &a, &s), 0);
    CHECK_EQ(a, 1);
    CHECK_EQ(s, 0);
    /* 1/1 cells, two entries */
    int su = fdt_path_offset(&vf, "/soc/uart");
    CHECK_EQ(fdt_read_reg(&vf, su, 0, &a, &s), 0);
    CHECK_EQ(a, 0x1000);
    CHECK_EQ(s, 0x100);
    CHECK_EQ(fdt_read_reg(&vf, su, 1, &a, &s), 0);
    CHECK_EQ(a, 0x2000);
    CHECK_EQ(s, 0x80);
    CHECK_EQ(fdt_read_reg(&vf, su, 2, &a, &s), FDT_ERR_NOTFOUND);
    /* 3 cells with 1/1 cells: not a whole entry */
    CHECK_EQ(fdt_read_reg(&vf, fdt_path_offset(&vf, "/soc/short"), 0, &a, &s), FDT_ERR_BADCELLS);
    /* parent says #address-cells = 3 */
    CHECK_EQ(fdt_read_reg(&vf, fdt_path_offset(&vf, "/badbus/dev"), 0, &a, &s), FDT_ERR_BADCELLS);
    /* parent without cells properties: defaults 2 and 1 */
    CHECK_EQ(fdt_read_reg(&vf, fdt_path_offset(&vf, "/nocells/dev"), 0, &a, &s), 0);
    CHECK_EQ(a, 0x100);
    CHECK_EQ(s, 0x10);
    /* no reg at all */
    CHECK_EQ(fdt_read_reg(&vf, fdt_path_offset(&vf, "/chosen"), 0, &a, &s), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_read_reg(&vf, 0, 0, &a, &s), FDT_ERR_NOTFOUND);
}

static void test_bad_handles(void)
{
    int handles[] = {1, 2, 3, 5, 6, 7, 8, 12, (int)vf.size_struct - 4, (int)vf.size_struct,
                     (int)vf.size_struct + 4, 0x7ffffffc, INT32_MAX, -100, FDT_ERR_BADSTRING};
    for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++) {
        int h = handles[i];
        int expect = h < 0 ? h : FDT_ERR_BADOFFSET;
        CHECK_EQ(fdt_first_child(&vf, h), expect);
        CHECK_EQ(fdt_next_sibling(&vf, h), expect);
        CHECK_EQ(fdt_parent(&vf, h), expect);
        CHECK_EQ(fdt_next_node(&vf, h), expect);
        CHECK(fdt_node_name(&vf, h) == NULL);
        CHECK(fdt_getprop(&vf, h, "reg", NULL) == NULL);
        CHECK_EQ(fdt_read_reg(&vf, h, 0, NULL, NULL), expect);
        CHECK(!fdt_node_is_compatible(&vf, h, "virtio,mmio"));
    }
    /* a lookup failure chains through */
    CHECK_EQ(fdt_first_child(&vf, fdt_path_offset(&vf, "/nothing")), FDT_ERR_NOTFOUND);

    /* An aligned word inside a property value that looks like BEGIN_NODE
     * passes the cheap handle check; it must still not escape the blob. */
    struct dtbw *w = &writer;
    dtbw_init(w);
    dtbw_begin(w, "");
    uint32_t fake[4] = {1, 0x41414141, 0x41414141, 0x41414141};
    dtbw_prop_cells(w, "fake", 4, fake);
    dtbw_end(w);
    dtbw_finish_tree(w);
    uint8_t buf[512];
    size_t n = finish(w, buf, sizeof(buf));
    uint8_t *heap = exact_copy(buf, n);
    struct fdt f;
    CHECK_EQ(fdt_init(&f, heap, n), 0);
    int h = 8 + 12; /* root BEGIN_NODE + name, PROP header */
    CHECK_EQ(fdt_be32(heap + f.off_struct + (uint32_t)h), 1);
    CHECK_EQ(fdt_parent(&f, h), FDT_ERR_BADOFFSET);
    (void)fdt_first_child(&f, h);
    (void)fdt_next_sibling(&f, h);
    (void)fdt_next_node(&f, h);
    (void)fdt_getprop(&f, h, "x", NULL);
    free(heap);

    /* an fdt whose init failed is unusable but safe */
    struct fdt bad;
    CHECK(fdt_init(&bad, NULL, 100) != 0);
    CHECK_EQ(fdt_root(&bad), FDT_ERR_BADMAGIC);
    CHECK_EQ(fdt_path_offset(&bad, "/"), FDT_ERR_BADMAGIC);
    CHECK_EQ(fdt_next_node(&bad, -1), FDT_ERR_BADMAGIC);
    CHECK(fdt_getprop(&bad, 0, "reg", NULL) == NULL);
    CHECK_EQ(fdt_get_rsv(&bad, 0, NULL, NULL), FDT_ERR_BADMAGIC);
    CHECK_EQ(fdt_init(NULL, virt_heap, virt_size), FDT_ERR_BADOFFSET);
}

/*
 * A forged node inside a property value, whose own forged property claims
 * bytes past the end of the structure block, with the structure block last
 * in the blob: the accessors must bound it by the block, or they read past
 * the buffer.
 */
static void test_forged_node_at_block_end(void)
{
    struct dtbw *w = &writer;
    dtbw_init(w);
    uint32_t fake_name = dtbw_string(w, "fake"); /* offset 0 */
    dtbw_begin(w, "");
    /* BEGIN_NODE "" then PROP header: len 12, nameoff of "fake" */
    uint32_t fake[5] = {1, 0, 3, 12, fake_name};
    dtbw_prop_cells(w, "fake", 5, fake);
    dtbw_end(w);
    dtbw_finish_tree(w);
    uint8_t buf[512], moved[512];
    size_t n = finish(w, buf, sizeof(buf));
    /* move the strings block in front of the structure block */
    uint32_t off_struct = dtb_get32(buf + DTB_HDR_OFF_STRUCT);
    uint32_t size_struct = dtb_get32(buf + DTB_HDR_SIZE_STRUCT);
    uint32_t off_strings = dtb_get32(buf + DTB_HDR_OFF_STRINGS);
    uint32_t size_strings = dtb_get32(buf + DTB_HDR_SIZE_STRINGS);
    uint32_t new_struct = (off_struct + size_strings + 3) & ~3u;
    size_t total = new_struct + size_struct;
    memset(moved, 0, sizeof(moved));
    memcpy(moved, buf, off_struct);
    memcpy(moved + off_struct, buf + off_strings, size_strings);
    memcpy(moved + new_struct, buf + off_struct, size_struct);
    dtb_put32(moved + DTB_HDR_OFF_STRINGS, off_struct);
    dtb_put32(moved + DTB_HDR_OFF_STRUCT, new_struct);
    dtb_put32(moved + DTB_HDR_TOTALSIZE, (uint32_t)total);
    CHECK(total <= sizeof(moved) && n > 0);

    uint8_t *heap = exact_copy(moved, total);
    struct fdt f;
    CHECK_EQ(fdt_init(&f, heap, total), 0);
    int h = 8 + 12; /* the forged BEGIN_NODE in the value of "fake" */
    CHECK_EQ(fdt_be32(heap + f.off_struct + (uint32_t)h), 1);
    uint32_t len = 0;
    const uint8_t *d = fdt_getprop(&f, h, "fake", &len);
    CHECK(d == NULL || d + len <= heap + total);
    if (d != NULL)
        touch(d, len);
    CHECK(fdt_prop_string(&f, h, "fake") == NULL);
    (void)fdt_first_child(&f, h);
    (void)fdt_next_sibling(&f, h);
    (void)fdt_read_reg(&f, h, 0, NULL, NULL);
    /* the real root still reads fine */
    CHECK_EQ(fdt_prop_u32(&f, 0, "fake", 2, 0), 3);
    free(heap);
}

static void test_strerror(void)
{
    for (int e = 0; e >= FDT_ERR_BADOFFSET; e--) {
        const char *s = fdt_strerror(e);
        CHECK(s != NULL && *s != '\0');
        CHECK(strcmp(s, "unknown error") != 0);
    }
    CHECK_STR(fdt_strerror(0), "ok");
    CHECK_STR(fdt_strerror(FDT_ERR_NOTFOUND), "not found");
    CHECK_STR(fdt_strerror(FDT_ERR_BADOFFSET), "bad node handle");
    CHECK_STR(fdt_strerror(FDT_ERR_BADOFFSET - 1), "unknown error");
    CHECK_STR(fdt_strerror(1), "unknown error");
    CHECK_STR(fdt_strerror(INT32_MIN), "unknown error");
}

static void test_nops_and_v16(void)
{
    struct dtbw *w = &writer;
    dtbw_init(w);
    dtbw_raw_u32(w, 4); /* NOP before the root */
    dtbw_begin(w, "");
    dtbw_raw_u32(w, 4);
    dtbw_prop_u32(w, "a", 1);
    dtbw_raw_u32(w, 4);
    dtbw_prop_u32(w, "b", 2);
    dtbw_begin(w, "child@1");
    dtbw_raw_u32(w, 4);
    dtbw_end(w);
    dtbw_raw_u32(w, 4);
    dtbw_begin(w, "child@2");
    dtbw_end(w);
    dtbw_raw_u32(w, 4);
    dtbw_end(w);
    dtbw_raw_u32(w, 4);
    dtbw_finish_tree(w);
    uint8_t buf[1024];
    size_t n = finish(w, buf, sizeof(buf));
    uint8_t *heap = exact_copy(buf, n);
    struct fdt f;
    CHECK_EQ(fdt_init(&f, heap, n), 0);
    int root = fdt_root(&f);
    CHECK_EQ(root, 4);
    CHECK_EQ(fdt_prop_u32(&f, root, "b", 0, 0), 2);
    int c1 = fdt_first_child(&f, root);
    CHECK_STR(fdt_node_name(&f, c1), "child@1");
    int c2 = fdt_next_sibling(&f, c1);
    CHECK_STR(fdt_node_name(&f, c2), "child@2");
    CHECK_EQ(fdt_next_sibling(&f, c2), FDT_ERR_NOTFOUND);
    CHECK_EQ(fdt_path_offset(&f, "/child"), c1);
    CHECK_EQ(fdt_parent(&f, c2), root);
    CHECK_EQ(fdt_next_node(&f, c2), FDT_ERR_NOTFOUND);
    free(heap);

    /* version 16: no size_dt_struct, the walk finds the block's end */
    build_virt(w);
    struct dtbw_layout l16 = {.version = 16};
    n = dtbw_blob(w, &l16, virt_blob, sizeof(virt_blob));
    CHECK(n != 0);
    heap = exact_copy(virt_blob, n);
    CHECK_EQ(fdt_init(&f, heap, n), 0);
    CHECK_EQ(f.size_struct, w->st_len);
    CHECK_EQ(fdt_read_reg(&f, fdt_path_offset(&f, "/memory"), 0, NULL, NULL), 0);
    free(heap);
    /* and with no structure bytes (an empty strings block, size word zero) */
    dtbw_init(w);
    dtbw_begin(w, "");
    dtbw_end(w);
    dtbw_finish_tree(w);
    n = dtbw_blob(w, &l16, buf, sizeof(buf));
    CHECK_EQ(init_exact(buf, n), 0);
    /* back to the normal virt blob for later cases */
    build_virt(w);
    virt_size = finish(w, virt_blob, sizeof(virt_blob));
}

static void test_depth_limit(void)
{
    struct dtbw *w = &writer;
    uint8_t buf[4096];
    for (int depth = FDT_MAX_DEPTH; depth <= FDT_MAX_DEPTH + 1; depth++) {
        dtbw_init(w);
        dtbw_begin(w, "");
        for (int i = 1; i < depth; i++)
            dtbw_begin(w, "n");
        dtbw_prop_u32(w, "reg", 7);
        for (int i = 0; i < depth; i++)
            dtbw_end(w);
        dtbw_finish_tree(w);
        size_t n = finish(w, buf, sizeof(buf));
        uint8_t *heap = exact_copy(buf, n);
        struct fdt f;
        int err = fdt_init(&f, heap, n);
        if (depth <= FDT_MAX_DEPTH) {
            CHECK_EQ(err, 0);
            char path[2 * FDT_MAX_DEPTH + 1] = "";
            for (int i = 1; i < depth; i++)
                strcat(path, "/n");
            int deepest = fdt_path_offset(&f, path);
            CHECK(deepest > 0);
            CHECK_EQ(fdt_prop_u32(&f, deepest, "reg", 0, 0), 7);
            int up = deepest, steps = 0;
            while ((up = fdt_parent(&f, up)) >= 0)
                steps++;
            CHECK_EQ(steps, depth - 1);
        } else {
            CHECK_EQ(err, FDT_ERR_TOODEEP);
        }
        free(heap);
    }
}

/* ---- malformed blobs ---------------------------------------------------- */

static void test_bad_magic_version(void)
{
    uint8_t *b = exact_copy(virt_blob, virt_size);
    struct fdt f;
    b[0] ^= 1;
    CHECK_EQ(fdt_init(&f, b, virt_size), FDT_ERR_BADMAGIC);
    b[0] ^= 1;
    CHECK_EQ(fdt_init(&f, b, virt_size), 0);
    dtb_put32(b + DTB_HDR_VERSION, 15);
    CHECK_EQ(fdt_init(&f, b, virt_size), FDT_ERR_BADVERSION);
    dtb_put32(b + DTB_HDR_VERSION, 18);
    CHECK_EQ(fdt_init(&f, b, virt_size), 0); /* newer but compatible */
    dtb_put32(b + DTB_HDR_LAST_COMP, 18);
    CHECK_EQ(fdt_init(&f, b, virt_size), FDT_ERR_BADVERSION);
    dtb_put32(b + DTB_HDR_VERSION, 17);
    dtb_put32(b + DTB_HDR_LAST_COMP, 17);
    CHECK_EQ(fdt_init(&f, b, virt_size), 0);
    free(b);
    CHECK_EQ(init_exact((const uint8_t *)"\xd0\x0d\xfe", 3), FDT_ERR_TRUNCATED);
    CHECK_EQ(init_exact((const uint8_t *)"\xd0\x0d\xfe\xee", 4), FDT_ERR_BADMAGIC);
    CHECK_EQ(init_exact((const uint8_t *)"\xd0\x0d\xfe\xed", 4), FDT_ERR_TRUNCATED);
}

static void test_every_prefix(void)
{
    /* each prefix shorter than totalsize is refused; the whole blob is not */
    int refused = 0;
    for (size_t len = 0; len < virt_size; len++) {
        int err = init_exact(virt_blob, len);
        if (err == FDT_ERR_TRUNCATED)
            refused++;
        else
            CHECK_EQ(err, FDT_ERR_TRUNCATED);
    }
    CHECK_EQ(refused, virt_size);
    CHECK_EQ(init_exact(virt_blob, virt_size), 0);

    /* the same blob with totalsize shrunk to each prefix length, so that the
     * blocks rather than the buffer are found to be out of range */
    uint8_t *b = exact_copy(virt_blob, virt_size);
    struct fdt f;
    for (size_t len = 0; len < virt_size; len++) {
        dtb_put32(b + DTB_HDR_TOTALSIZE, (uint32_t)len);
        int err = fdt_init(&f, b, virt_size);
        CHECK(err == FDT_ERR_TRUNCATED || err == FDT_ERR_BADLAYOUT);
    }
    free(b);
}

/* Patches one header word of the virt blob and returns fdt_init's verdict. */
static int with_header(uint32_t field, uint32_t value)
{
    uint8_t *b = exact_copy(virt_blob, virt_size);
    dtb_put32(b + field, value);
    struct fdt f;
    int err = fdt_init(&f, b, virt_size);
    free(b);
    return err;
}

static void test_bad_layout(void)
{
    uint32_t off_struct = dtb_get32(virt_blob + DTB_HDR_OFF_STRUCT);
    uint32_t off_strings = dtb_get32(virt_blob + DTB_HDR_OFF_STRINGS);
    uint32_t size_struct = dtb_get32(virt_blob + DTB_HDR_SIZE_STRUCT);

    CHECK_EQ(with_header(DTB_HDR_TOTALSIZE, (uint32_t)virt_size + 1), FDT_ERR_TRUNCATED);
    CHECK_EQ(with_header(DTB_HDR_TOTALSIZE, 0xffffffff), FDT_ERR_TRUNCATED);
    CHECK_EQ(with_header(DTB_HDR_OFF_STRUCT, 0xfffffff0), FDT_ERR_TRUNCATED);
    CHECK_EQ(with_header(DTB_HDR_SIZE_STRUCT, 0xfffffff0), FDT_ERR_TRUNCATED);
    CHECK_EQ(with_header(DTB_HDR_OFF_STRINGS, 0xffffffff), FDT_ERR_TRUNCATED);
    CHECK_EQ(with_header(DTB_HDR_SIZE_STRINGS, 0xffffffff), FDT_ERR_TRUNCATED);
    CHECK_EQ(with_header(DTB_HDR_SIZE_STRINGS, (uint32_t)virt_size), FDT_ERR_TRUNCATED);
    CHECK_EQ(with_header(DTB_HDR_OFF_RSVMAP, 0xfffffff8), FDT_ERR_TRUNCATED);
    CHECK_EQ(with_header(DTB_HDR_OFF_STRINGS, off_struct), FDT_ERR_BADLAYOUT);
    CHECK_EQ(with_header(DTB_HDR_OFF_STRINGS, off_struct + size_struct - 4), FDT_ERR_BADLAYOUT);
    CHECK_EQ(with_header(DTB_HDR_OFF_STRUCT, off_struct + 2), FDT_ERR_BADLAYOUT);
    CHECK_EQ(with_header(DTB_HDR_SIZE_STRUCT, size_struct - 2), FDT_ERR_BADLAYOUT);
    CHECK_EQ(with_header(DTB_HDR_OFF_RSVMAP, 44), FDT_ERR_BADLAYOUT);  /* misaligned */
    CHECK_EQ(with_header(DTB_HDR_OFF_RSVMAP, 0), FDT_ERR_BADLAYOUT);   /* in the header */
    CHECK_EQ(with_header(DTB_HDR_OFF_RSVMAP, 32), FDT_ERR_BADLAYOUT);
    CHECK_EQ(with_header(DTB_HDR_OFF_STRUCT, 0), FDT_ERR_BADLAYOUT);
    CHECK_EQ(with_header(DTB_HDR_OFF_STRINGS, 4), FDT_ERR_BADLAYOUT);
    CHECK_EQ(with_header(DTB_HDR_TOTALSIZE, 39), FDT_ERR_BADLAYOUT);
    /* rsvmap pointed into the struct block: overlap (or no terminator) */
    CHECK_EQ(with_header(DTB_HDR_OFF_RSVMAP, off_struct), FDT_ERR_BADLAYOUT);
    /* struct block shorter than its contents: the walk runs off its end */
    CHECK_EQ(with_header(DTB_HDR_SIZE_STRUCT, size_struct - 4), FDT_ERR_BADSTRUCTURE);
    /* struct block longer than its FDT_END (runs into the strings block) */
    CHECK_EQ(with_header(DTB_HDR_SIZE_STRUCT, size_struct + 4), FDT_ERR_BADLAYOUT);
    /* strings block cut short: the last name loses its NUL */
    uint32_t size_strings = dtb_get32(virt_blob + DTB_HDR_SIZE_STRINGS);
    CHECK_EQ(with_header(DTB_HDR_SIZE_STRINGS, size_strings - 1), FDT_ERR_BADSTRING);
    (void)off_strings;
}

static int build_and_init(struct dtbw *w, const struct dtbw_layout *layout)
{
    static uint8_t buf[8192];
    size_t n = dtbw_blob(w, layout, buf, sizeof(buf));
    if (n == 0)
        return 1000;
    return init_exact(buf, n);
}

static void test_rsvmap_unterminated(void)
{
    struct dtbw *w = &writer;
    struct dtbw_layout l = {.no_rsv_terminator = 1};
    dtbw_init(w);
    dtbw_rsv(w, 0x1000, 0x1000);
    dtbw_begin(w, "");
    dtbw_end(w);
    dtbw_finish_tree(w);
    /* runs into the structure block */
    CHECK_EQ(build_and_init(w, &l), FDT_ERR_BADLAYOUT);
    CHECK_EQ(build_and_init(w, NULL), 0);

    /* a map at the very end of the blob that runs out of it */
    static uint8_t buf[1024];
    size_t n = dtbw_blob(w, NULL, buf, sizeof(buf));
    size_t total = (n + 7) & ~(size_t)7;
    memset(buf + n, 0xff, total + 16 - n);
    dtb_put32(buf + DTB_HDR_OFF_RSVMAP, (uint32_t)total);
    dtb_put32(buf + DTB_HDR_TOTALSIZE, (uint32_t)(total + 16));
    CHECK_EQ(init_exact(buf, total + 16), FDT_ERR_TRUNCATED);
    memset(buf + total, 0, 16);
    CHECK_EQ(init_exact(buf, total + 16), 0);
}

static void test_bad_structure(void)
{
    struct dtbw *w = &writer;

    /* unterminated node name at the end of the block */
    dtbw_init(w);
    dtbw_begin(w, "");
    dtbw_raw_u32(w, 1);
    dtbw_raw_bytes(w, "abcd", 4);
    CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRING);

    /* property length past the block, and one that would wrap */
    uint32_t lens[] = {0x1000, 0xfffffff0, 0xffffffff, 5};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        dtbw_init(w);
        dtbw_begin(w, "");
        dtbw_raw_u32(w, 3);
        dtbw_raw_u32(w, lens[i]);
        dtbw_raw_u32(w, dtbw_string(w, "x"));
        dtbw_end(w);
        dtbw_finish_tree(w);
        CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRUCTURE);
    }
    /* a property header cut by the end of the block */
    dtbw_init(w);
    dtbw_begin(w, "");
    dtbw_end(w);
    dtbw_finish_tree(w);
    dtbw_raw_u32(w, 3);
    dtbw_raw_u32(w, 0);
    CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRUCTURE); /* data after FDT_END */

    /* name offset past the strings block */
    dtbw_init(w);
    dtbw_begin(w, "");
    dtbw_prop_u32(w, "ok", 1);
    dtbw_raw_u32(w, 3);
    dtbw_raw_u32(w, 0);
    dtbw_raw_u32(w, 3); /* "ok\0" is 3 bytes: offset 3 is just past */
    dtbw_end(w);
    dtbw_finish_tree(w);
    CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRING);
    dtbw_init(w);
    dtbw_begin(w, "");
    dtbw_raw_u32(w, 3);
    dtbw_raw_u32(w, 0);
    dtbw_raw_u32(w, 0xffffffff);
    dtbw_end(w);
    dtbw_finish_tree(w);
    CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRING);

    /* unbalanced END_NODE */
    dtbw_init(w);
    dtbw_begin(w, "");
    dtbw_end(w);
    dtbw_end(w);
    dtbw_finish_tree(w);
    CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRUCTURE);
    /* unclosed node */
    dtbw_init(w);
    dtbw_begin(w, "");
    dtbw_begin(w, "a");
    dtbw_end(w);
    dtbw_finish_tree(w);
    CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRUCTURE);
    /* missing FDT_END */
    dtbw_init(w);
    dtbw_begin(w, "");
    dtbw_end(w);
    CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRUCTURE);
    /* only FDT_END, no root */
    dtbw_init(w);
    dtbw_finish_tree(w);
    CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRUCTURE);
    /* empty structure block */
    dtbw_init(w);
    CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRUCTURE);
    /* unknown tokens */
    uint32_t toks[] = {0, 5, 8, 10, 0xd00dfeed};
    for (size_t i = 0; i < sizeof(toks) / sizeof(toks[0]); i++) {
        dtbw_init(w);
        dtbw_begin(w, "");
        dtbw_raw_u32(w, toks[i]);
        dtbw_end(w);
        dtbw_finish_tree(w);
        CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRUCTURE);
    }
    /* two roots */
    dtbw_init(w);
    dtbw_begin(w, "");
    dtbw_end(w);
    dtbw_begin(w, "");
    dtbw_end(w);
    dtbw_finish_tree(w);
    CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRUCTURE);
    /* a property outside any node */
    dtbw_init(w);
    dtbw_prop_u32(w, "x", 1);
    dtbw_begin(w, "");
    dtbw_end(w);
    dtbw_finish_tree(w);
    CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRUCTURE);
    /* a property after a subnode */
    dtbw_init(w);
    dtbw_begin(w, "");
    dtbw_begin(w, "a");
    dtbw_end(w);
    dtbw_prop_u32(w, "x", 1);
    dtbw_end(w);
    dtbw_finish_tree(w);
    CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRUCTURE);
    /* FDT_END inside the root */
    dtbw_init(w);
    dtbw_begin(w, "");
    dtbw_finish_tree(w);
    dtbw_end(w);
    CHECK_EQ(build_and_init(w, NULL), FDT_ERR_BADSTRUCTURE);
    /* too deep, well past the limit */
    dtbw_init(w);
    for (int i = 0; i < 200; i++)
        dtbw_begin(w, i == 0 ? "" : "d");
    for (int i = 0; i < 200; i++)
        dtbw_end(w);
    dtbw_finish_tree(w);
    CHECK_EQ(build_and_init(w, NULL), FDT_ERR_TOODEEP);
}

/* ---- fuzzing ------------------------------------------------------------ */

/* Exercises every accessor over every node; ASan checks the reads. */
static void walk_all(const struct fdt *f, uint64_t *rng)
{
    static const char *const props[] = {"reg", "compatible", "status", "phandle",
                                        "#address-cells", "#size-cells", "bootargs",
                                        "interrupts", "device_type", "raw", "x"};
    uint64_t a, s;
    for (uint32_t i = 0; fdt_get_rsv(f, i, &a, &s) == 0; i++)
        sink += a + s;
    int nodes = 0;
    for (int n = fdt_next_node(f, -1); n >= 0; n = fdt_next_node(f, n)) {
        nodes++;
        const char *name = fdt_node_name(f, n);
        if (name != NULL)
            sink += strlen(name);
        sink += (uint64_t)fdt_parent(f, n) + (uint64_t)fdt_first_child(f, n) +
                (uint64_t)fdt_next_sibling(f, n);
        for (size_t p = 0; p < sizeof(props) / sizeof(props[0]); p++) {
            uint32_t len = 0;
            const void *d = fdt_getprop(f, n, props[p], &len);
            if (d != NULL)
                touch(d, len);
            const char *str = fdt_prop_string(f, n, props[p]);
            if (str != NULL)
                sink += strlen(str);
            sink += fdt_prop_u32(f, n, props[p], 1, 0);
            uint64_t v;
            if (fdt_prop_number(f, n, props[p], &v) == 0)
                sink += v;
        }
        for (uint32_t i = 0; i < 4; i++)
            if (fdt_read_reg(f, n, i, &a, &s) == 0)
                sink += a + s;
        sink += fdt_node_is_enabled(f, n) + fdt_node_is_compatible(f, n, "virtio,mmio");
    }
    sink += (uint64_t)nodes;
    static const char *const paths[] = {"/", "/memory", "/cpus/cpu@1", "/intc/v2m", "serial0",
                                        "gic/v2m", "/chosen"};
    for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
        sink += (uint64_t)fdt_path_offset(f, paths[p]);
    sink += (uint64_t)fdt_find_phandle(f, PH_GIC) + (uint64_t)fdt_find_device_type(f, -1, "memory");
    for (int n = fdt_find_compatible(f, -1, "virtio,mmio"); n >= 0;
         n = fdt_find_compatible(f, n, "virtio,mmio"))
        sink++;
    /* arbitrary handles, aligned and not */
    for (int i = 0; i < 32; i++) {
        int h = (int)(test_rand(rng) % (f->size_struct + 16));
        const char *name = fdt_node_name(f, h);
        if (name != NULL)
            sink += strlen(name);
        uint32_t len = 0;
        const void *d = fdt_getprop(f, h, "reg", &len);
        if (d != NULL)
            touch(d, len);
        sink += (uint64_t)fdt_first_child(f, h) + (uint64_t)fdt_next_sibling(f, h) +
                (uint64_t)fdt_parent(f, h) + (uint64_t)fdt_next_node(f, h);
        if (fdt_read_reg(f, h, 0, &a, &s) == 0)
            sink += a;
    }
}

static void test_fuzz_mutations(void)
{
    static const uint32_t interesting[] = {0, 1, 2, 3, 4, 9, 0x7fffffff, 0x80000000,
                                           0xfffffff0, 0xfffffffc, 0xffffffff, 16, 17, 40};
    uint64_t rng = 0x6b656e6978u; /* fixed seed: failures reproduce */
    uint8_t *work = malloc(virt_size);
    int accepted = 0;
    const int iterations = 6000;
    for (int it = 0; it < iterations; it++) {
        memcpy(work, virt_blob, virt_size);
        unsigned flips = 1 + (unsigned)(test_rand(&rng) % 4);
        for (unsigned k = 0; k < flips; k++) {
            uint64_t r = test_rand(&rng);
            size_t pos;
            switch (r % 4) {
            case 0: /* the header */
                pos = (size_t)(r >> 8) % 40;
                break;
            default:
                pos = (size_t)(r >> 8) % virt_size;
                break;
            }
            if ((r >> 40) % 3 == 0) {
                /* a whole aligned word set to a boundary value */
                pos &= ~(size_t)3;
                if (pos + 4 <= virt_size)
                    dtb_put32(work + pos, interesting[(r >> 48) % (sizeof(interesting) / 4)]);
            } else {
                work[pos] ^= (uint8_t)(1u << ((r >> 32) % 8));
            }
        }
        size_t len = virt_size;
        if (test_rand(&rng) % 8 == 0)
            len = (size_t)(test_rand(&rng) % (virt_size + 1));
        uint8_t *exact = exact_copy(work, len);
        struct fdt f;
        if (fdt_init(&f, exact, len) == 0) {
            accepted++;
            CHECK(f.totalsize <= len);
            walk_all(&f, &rng);
        } else {
            CHECK(fdt_root(&f) < 0);
        }
        free(exact);
    }
    free(work);
    printf("  fuzz: %d of %d mutated blobs accepted\n", accepted, iterations);
    CHECK(accepted > 0);
}

static void test_fuzz_random_headers(void)
{
    /* random layouts around a valid magic/version, small buffers */
    uint64_t rng = 42;
    int accepted = 0;
    for (int it = 0; it < 4000; it++) {
        uint8_t buf[256];
        for (size_t i = 0; i < sizeof(buf); i++)
            buf[i] = (uint8_t)test_rand(&rng);
        size_t len = 40 + (size_t)(test_rand(&rng) % (sizeof(buf) - 40));
        dtb_put32(buf, FDT_MAGIC);
        dtb_put32(buf + DTB_HDR_TOTALSIZE, (uint32_t)(test_rand(&rng) % (len + 8)));
        dtb_put32(buf + DTB_HDR_OFF_STRUCT, (uint32_t)(test_rand(&rng) % len) & ~3u);
        dtb_put32(buf + DTB_HDR_OFF_STRINGS, (uint32_t)(test_rand(&rng) % len));
        dtb_put32(buf + DTB_HDR_OFF_RSVMAP, (uint32_t)(test_rand(&rng) % len) & ~7u);
        dtb_put32(buf + DTB_HDR_VERSION, 16 + (uint32_t)(test_rand(&rng) % 2));
        dtb_put32(buf + DTB_HDR_LAST_COMP, 16);
        dtb_put32(buf + DTB_HDR_SIZE_STRINGS, (uint32_t)(test_rand(&rng) % len));
        dtb_put32(buf + DTB_HDR_SIZE_STRUCT, (uint32_t)(test_rand(&rng) % len) & ~3u);
        uint8_t *exact = exact_copy(buf, len);
        struct fdt f;
        if (fdt_init(&f, exact, len) == 0) {
            accepted++;
            walk_all(&f, &rng);
        }
        free(exact);
    }
    printf("  random headers: %d accepted\n", accepted);
}

int main(void)
{
    setup_virt();
    RUN(test_virt_init);
    RUN(test_rsvmap);
    RUN(test_root_and_children);
    RUN(test_next_node);
    RUN(test_path_offset);
    RUN(test_properties);
    RUN(test_compatible);
    RUN(test_stringlist);
    RUN(test_device_type_and_phandle);
    RUN(test_enabled);
    RUN(test_read_reg);
    RUN(test_bad_handles);
    RUN(test_forged_node_at_block_end);
    RUN(test_strerror);
    RUN(test_nops_and_v16);
    RUN(test_depth_limit);
    RUN(test_bad_magic_version);
    RUN(test_every_prefix);
    RUN(test_bad_layout);
    RUN(test_rsvmap_unterminated);
    RUN(test_bad_structure);
    RUN(test_fuzz_mutations);
    RUN(test_fuzz_random_headers);
    free(virt_heap);
    return test_finish();
}
