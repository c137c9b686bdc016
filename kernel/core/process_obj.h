/*
 * Process objects: what a process handle names. The creator of a process
 * loads it (kx_process_create), gives it handles (kx_process_give), starts it
 * and may wait for its exit status (kx_process_wait).
 */
#ifndef KENIX_CORE_PROCESS_OBJ_H
#define KENIX_CORE_PROCESS_OBJ_H

#include "kobject.h"

struct process;

/* The handle-named object for p (created on first use); NULL when out of memory. */
struct kobject *process_obj_of(struct process *p);
/* The pid of the process a process object names (kept after it exits). */
unsigned process_obj_pid(const struct kobject *o);
/* p is exiting with `status` (a wait status): tells waiters. */
void process_obj_exited(struct process *p, int status);
/* p is being freed (proc_lock held): its object no longer names it. */
void process_obj_reaped(struct process *p);

#endif
