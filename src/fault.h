/* fault.h - fault injection for the crash tests.
 *
 * fault_point("poll:before-move") kills the process with SIGKILL, as a power
 * cut would, when $CMEGW_FAULT names that point; otherwise it does nothing.
 * The tests use it to prove invariants 1 and 2 (nothing lost, nothing done
 * twice) at the instants where a crash hurts most.
 */
#ifndef CMEGW_FAULT_H
#define CMEGW_FAULT_H

void fault_point(const char *name);

#endif
