/* The end of boot: the success marker and the optional power-off. */
#ifndef KENIX_CORE_BOOT_H
#define KENIX_CORE_BOOT_H

/* Prints the nonce marker and powers off when asked (kenix.poweroff). */
void boot_finish(void);
/* Prints this run's success marker (kenix.nonce=) for the test harness:
 * the kernel reached its end cleanly (init exited, or reboot(2)). */
void boot_announce_done(void);
/* Called when process 1 (init) ends with a wait()-style status. */
void boot_init_exited(int status);

#endif
