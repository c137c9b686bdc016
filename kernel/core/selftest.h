/* Boot self-tests selected with kenix.test= (used by the QEMU boot scenarios). */
#ifndef KENIX_CORE_SELFTEST_H
#define KENIX_CORE_SELFTEST_H

/* Runs the self-test the command line names, if any. */
void run_selftests(void);
/* Deliberately faults on an unmapped kernel address (kenix.test=fault). */
void selftest_fault(void);

#endif
