// The calling thread's CPU affinity, through the system calls: glibc's sched_setaffinity and sched_getcpu need
// _GNU_SOURCE, which Swift's Glibc module is not built with. Linux only; elsewhere every call fails (returns -1).
#include <stdint.h>

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

// Reads the calling thread's allowed CPUs into mask[0..<words] (bit i of the whole = CPU i). Returns > 0 on success.
static inline long ranet_thread_affinity(uint64_t *mask, long words) {
#if defined(__linux__)
    return syscall(SYS_sched_getaffinity, 0, (unsigned long)words * sizeof(uint64_t), mask);
#else
    return -1;
#endif
}

// Restricts the calling thread to the CPUs of mask[0..<words]. Returns 0 on success.
static inline long ranet_set_thread_affinity(const uint64_t *mask, long words) {
#if defined(__linux__)
    return syscall(SYS_sched_setaffinity, 0, (unsigned long)words * sizeof(uint64_t), mask);
#else
    return -1;
#endif
}

// The CPU the calling thread runs on now, or -1.
static inline int ranet_current_cpu(void) {
#if defined(__linux__)
    unsigned cpu = 0;
    if (syscall(SYS_getcpu, &cpu, (void *)0, (void *)0) != 0) return -1;
    return (int)cpu;
#else
    return -1;
#endif
}
