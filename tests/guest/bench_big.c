/*
 * A 2 MiB program that does nothing: `bench_posix scale` times fork + execve
 * + wait4 of it beside the small bench_posix, so the difference is what the
 * file's size alone costs an exec. The array is read-only data the program
 * never touches; a kernel that maps program files on demand pays nothing for
 * it, one that copies the file at exec pays for every byte. One non-zero byte
 * keeps it out of .bss (which takes no room in the file).
 */
#include <stdint.h>

static const volatile uint8_t ballast[2u << 20] = { 1 };

int main(int argc, char **argv)
{
    (void)argv;
    /* Never true (the benchmark passes no arguments); keeps the array. */
    return argc > 100 ? ballast[argc] : 0;
}
