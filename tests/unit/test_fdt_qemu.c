/*
 * Parses the DTB that QEMU's virt machine really produces (dumped by
 * run_qemu_dtb.sh with -m 128M), so that the parser is checked against
 * dtc/libfdt output and not only against our own writer.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/fdt.h"
#include "test.h"

static uint8_t *blob;
static size_t blob_size;
static struct fdt f;

static void test_init(void)
{
    CHECK_EQ(fdt_init(&f, blob, blob_size), 0);
    CHECK(f.totalsize <= blob_size);
    /* the whole tree walks, and every node has a parent but the root */
    int nodes = 0;
    for (int n = fdt_next_node(&f, -1); n >= 0; n = fdt_next_node(&f, n)) {
        CHECK(fdt_node_name(&f, n) != NULL);
        if (n != fdt_root(&f))
            CHECK(fdt_parent(&f, n) >= 0);
        nodes++;
    }
    CHECK(nodes > 40);
}

static void test_memory(void)
{
    int mem = fdt_find_device_type(&f, -1, "memory");
    CHECK(mem >= 0);
    CHECK_EQ(fdt_path_offset(&f, "/memory"), mem);
    uint64_t addr = 0, size = 0;
    CHECK_EQ(fdt_read_reg(&f, mem, 0, &addr, &size), 0);
    CHECK_EQ(addr, 0x40000000);
    CHECK_EQ(size, 128ull << 20);
    CHECK_EQ(fdt_find_device_type(&f, mem, "memory"), FDT_ERR_NOTFOUND);
}

static void test_uart(void)
{
    int uart = fdt_find_compatible(&f, -1, "arm,pl011");
    CHECK(uart >= 0);
    CHECK_STR(fdt_node_name(&f, uart), "pl011@9000000");
    CHECK(fdt_node_is_compatible(&f, uart, "arm,primecell"));
    uint64_t addr = 0, size = 0;
    CHECK_EQ(fdt_read_reg(&f, uart, 0, &addr, &size), 0);
    CHECK_EQ(addr, 0x9000000);
    CHECK_EQ(size, 0x1000);
    CHECK_EQ(fdt_path_offset(&f, "/pl011@9000000"), uart);
    const char *stdout_path = fdt_prop_string(&f, fdt_path_offset(&f, "/chosen"), "stdout-path");
    CHECK(stdout_path != NULL);
    if (stdout_path != NULL)
        CHECK_EQ(fdt_path_offset(&f, stdout_path), uart);
}

static void test_virtio(void)
{
    int count = 0;
    for (int n = fdt_find_compatible(&f, -1, "virtio,mmio"); n >= 0;
         n = fdt_find_compatible(&f, n, "virtio,mmio")) {
        uint64_t addr = 0, size = 0;
        CHECK_EQ(fdt_read_reg(&f, n, 0, &addr, &size), 0);
        CHECK(addr >= 0xa000000 && addr < 0xa004000);
        CHECK_EQ(size, 0x200);
        CHECK_EQ(fdt_prop_u32(&f, n, "interrupts", 0, 99), 0); /* SPI */
        count++;
    }
    CHECK_EQ(count, 32);
}

static void test_gic_timer_psci(void)
{
    int gic = fdt_find_compatible(&f, -1, "arm,cortex-a15-gic");
    CHECK(gic >= 0);
    uint64_t addr = 0, size = 0;
    CHECK_EQ(fdt_read_reg(&f, gic, 0, &addr, &size), 0);
    CHECK_EQ(addr, 0x8000000);
    CHECK_EQ(fdt_read_reg(&f, gic, 1, &addr, &size), 0);
    CHECK_EQ(addr, 0x8010000);
    CHECK(fdt_getprop(&f, gic, "interrupt-controller", NULL) != NULL);
    /* the root's interrupt-parent is the GIC */
    CHECK_EQ(fdt_find_phandle(&f, fdt_prop_u32(&f, fdt_root(&f), "interrupt-parent", 0, 0)), gic);

    int timer = fdt_find_compatible(&f, -1, "arm,armv8-timer");
    CHECK(timer >= 0);
    uint32_t len = 0;
    CHECK(fdt_getprop(&f, timer, "interrupts", &len) != NULL);
    CHECK_EQ(len, 4 * 3 * 4);
    CHECK_EQ(fdt_prop_u32(&f, timer, "interrupts", 4, 0), 14); /* EL1 virtual timer PPI */

    int psci = fdt_find_compatible(&f, -1, "arm,psci-0.2");
    CHECK(psci >= 0);
    CHECK(fdt_prop_string(&f, psci, "method") != NULL);

    int cpu = fdt_path_offset(&f, "/cpus/cpu@0");
    CHECK(cpu >= 0);
    CHECK(fdt_node_is_compatible(&f, cpu, "arm,cortex-a72"));
    CHECK_EQ(fdt_read_reg(&f, cpu, 0, &addr, &size), 0);
    CHECK_EQ(addr, 0);
    CHECK_EQ(size, 0);
}

static void test_prefixes_refused(void)
{
    /* QEMU pads the blob to 1 MiB: every prefix up to the end of the
     * strings block, then a sparse sample of the padding */
    uint32_t total = f.totalsize;
    uint32_t dense = f.off_strings + f.size_strings;
    for (uint32_t len = 0; len < total; len += (len < dense ? 1 : 65521)) {
        uint8_t *p = malloc(len != 0 ? len : 1);
        memcpy(p, blob, len);
        struct fdt g;
        CHECK_EQ(fdt_init(&g, p, len), FDT_ERR_TRUNCATED);
        free(p);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s virt.dtb\n", argv[0]);
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (fp == NULL) {
        perror(argv[1]);
        return 2;
    }
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    if (n <= 0) {
        fprintf(stderr, "%s: empty\n", argv[1]);
        return 2;
    }
    blob_size = (size_t)n;
    blob = malloc(blob_size);
    if (blob == NULL || fread(blob, 1, blob_size, fp) != blob_size) {
        fprintf(stderr, "%s: read failed\n", argv[1]);
        return 2;
    }
    fclose(fp);
    RUN(test_init);
    RUN(test_memory);
    RUN(test_uart);
    RUN(test_virtio);
    RUN(test_gic_timer_psci);
    RUN(test_prefixes_refused);
    free(blob);
    return test_finish();
}
